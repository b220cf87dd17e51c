//! 周通报 — the weekly bulletin (一总结、一计划、一通报、一点评): what evaluation stores
//! and callers read, and its text in the register of a 通报, as Markdown.

use chrono::{DateTime, FixedOffset, NaiveDate};
use duban_api_macros::graphql_object;
use serde::{Deserialize, Serialize};

/// One unit's line: last week's figures, and its place by the cumulative 按时办结率.
#[graphql_object(name = "BulletinRow")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BulletinRow {
    /// The unit.
    pub unit_id: String,
    /// Its name.
    pub unit_name: String,
    /// Issued last week.
    pub issued: i64,
    /// Reported done last week.
    pub done: i64,
    /// Of those, within their limit.
    pub done_on_time: i64,
    /// Open and past their limit at the end of last week.
    pub overdue: i64,
    /// Red cards standing at the end of last week.
    pub red: i64,
    /// Yellow cards standing then.
    pub yellow: i64,
    /// Ledger problems closed (销号) last week.
    pub problems_closed: i64,
    /// Cumulative 按时办结率 at the end of last week (none: nothing done yet).
    pub on_time_rate: Option<f64>,
    /// Its place among its siblings by that rate.
    pub rank: Option<i32>,
    /// Its place a week before.
    pub last_rank: Option<i32>,
}

impl BulletinRow {
    /// Last week's 按时办结率.
    pub fn week_rate(&self) -> Option<f64> {
        (self.done > 0).then(|| self.done_on_time as f64 / self.done as f64)
    }
}

/// An item named in the bulletin.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BulletinItem {
    /// The unit that leads it.
    pub unit_name: String,
    /// Its title.
    pub title: String,
    /// Why it is listed (the card's reason), or its time limit.
    pub note: String,
}

/// What falls due this week and next at one unit.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DueByUnit {
    /// The unit.
    pub unit_name: String,
    /// Due this week.
    pub this_week: i64,
    /// Due next week.
    pub next_week: i64,
}

/// Everything a bulletin states; its figures come from evaluation's boards.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BulletinData {
    /// The unit it is about (the county, or one unit).
    pub scope_unit_id: String,
    /// Its name.
    pub scope_name: String,
    /// Its path.
    pub scope_path: String,
    /// Who issues it (the county), for the 发文 line.
    pub issuer_name: String,
    /// 发文字号, e.g. 督通〔2026〕49号.
    pub number: String,
    /// Last week's Monday.
    pub week_start: NaiveDate,
    /// Last week's Sunday.
    pub week_end: NaiveDate,
    /// The day it was issued.
    pub issued_on: NaiveDate,
    /// The scope's own line.
    pub total: BulletinRow,
    /// Its units', in rank order.
    pub rows: Vec<BulletinRow>,
    /// Items showing a red card at issue, at most 50.
    pub red: Vec<BulletinItem>,
    /// How many there are in all.
    pub red_total: i64,
    /// Items showing a yellow card, at most 50.
    pub yellow: Vec<BulletinItem>,
    /// How many in all.
    pub yellow_total: i64,
    /// Open items due this week and next, by unit.
    pub due_by_unit: Vec<DueByUnit>,
    /// The first 50 of them, soonest first.
    pub due: Vec<BulletinItem>,
    /// How many in all.
    pub due_total: i64,
    /// Units commended by rule: 按时办结率 100% and no red card.
    pub commended: Vec<String>,
    /// Units criticised by rule: red cards standing, with how many.
    pub criticised: Vec<String>,
    /// How ties rank.
    pub ranking_note: String,
}

/// A comment (一点评) under a bulletin.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BulletinComment {
    /// Who wrote it.
    pub author_id: String,
    /// Their name.
    pub author_name: String,
    /// What they wrote.
    pub text: String,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// A bulletin as callers read it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BulletinView {
    /// Id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// When it was published.
    pub published_at: DateTime<FixedOffset>,
    /// What it states.
    pub data: BulletinData,
    /// The comments, oldest first.
    pub comments: Vec<BulletinComment>,
}

/// Ranks of `values` in the given order: equal values share a rank; `dense` ranks a tie
/// as one place (1, 2, 2, 3), otherwise as the places it fills (1, 2, 2, 4).
pub fn ranks(values: &[f64], descending: bool, dense: bool) -> Vec<i32> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| {
        let c = values[a].total_cmp(&values[b]);
        if descending {
            c.reverse()
        } else {
            c
        }
    });
    let mut out = vec![0; values.len()];
    let (mut rank, mut place) = (0, 0);
    let mut last: Option<f64> = None;
    for i in order {
        place += 1;
        if last != Some(values[i]) {
            rank = if dense { rank + 1 } else { place };
            last = Some(values[i]);
        }
        out[i] = rank;
    }
    out
}

/// The sentence a bulletin states the ranking with.
pub fn ranking_note(dense: bool) -> &'static str {
    if dense {
        "并列者名次相同，其后名次连续（中国式排名，如1、2、2、3）"
    } else {
        "并列者名次相同，其后名次顺延（如1、2、2、4）"
    }
}

fn percent(r: Option<f64>) -> String {
    r.map(|v| format!("{:.1}%", v * 100.0))
        .unwrap_or_else(|| "—".into())
}

fn md(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}月{}日", d.month(), d.day())
}

/// `2026年12月7日` (no leading zeros, as 成文日期 are written).
pub fn long_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// The movement of a place since last week, e.g. ↑2, ↓1, —.
pub fn movement(row: &BulletinRow) -> String {
    match (row.rank, row.last_rank) {
        (Some(now), Some(before)) if before > now => format!("↑{}", before - now),
        (Some(now), Some(before)) if before < now => format!("↓{}", now - before),
        (Some(_), Some(_)) => "持平".into(),
        _ => "—".into(),
    }
}

impl BulletinView {
    /// The bulletin's title.
    pub fn title_of(d: &BulletinData) -> String {
        format!(
            "关于{}督查督办工作情况的通报（{}—{}）",
            d.scope_name,
            md(d.week_start),
            md(d.week_end)
        )
    }

    /// The paragraphs of its body, each a heading (`# `) or a paragraph; the .docx
    /// and the Markdown are both laid out from these.
    pub fn paragraphs(&self) -> Vec<String> {
        let d = &self.data;
        let t = &d.total;
        let mut p = Vec::new();
        p.push("# 一、上周工作总结".to_string());
        p.push(format!(
            "{}—{}，{}新交办督办事项{}项，办结{}项，其中按时办结{}项，按时办结率{}；截至{}，超期未办结{}项，亮红牌{}项、黄牌{}项；问题台账销号{}个。",
            md(d.week_start),
            md(d.week_end),
            d.scope_name,
            t.issued,
            t.done,
            t.done_on_time,
            percent(t.week_rate()),
            md(d.week_end),
            t.overdue,
            t.red,
            t.yellow,
            t.problems_closed
        ));
        for r in &d.rows {
            p.push(format!(
                "{}：新交办{}项，办结{}项（按时{}项，按时办结率{}），超期{}项，红牌{}项，黄牌{}项，问题销号{}个。",
                r.unit_name,
                r.issued,
                r.done,
                r.done_on_time,
                percent(r.week_rate()),
                r.overdue,
                r.red,
                r.yellow,
                r.problems_closed
            ));
        }
        let list = |label: &str, items: &[BulletinItem], total: i64| {
            let mut out = vec![format!("截至通报发布时，{label}事项共{total}项：")];
            out.extend(items.iter().enumerate().map(|(i, it)| {
                format!("{}. {}：{}（{}）", i + 1, it.unit_name, it.title, it.note)
            }));
            if total > items.len() as i64 {
                out.push(format!(
                    "（另有{}项，详见督办系统。）",
                    total - items.len() as i64
                ));
            }
            out
        };
        if d.red_total > 0 {
            p.extend(list("红牌督办", &d.red, d.red_total));
        }
        if d.yellow_total > 0 {
            p.extend(list("黄牌预警", &d.yellow, d.yellow_total));
        }
        p.push("# 二、本周及下周工作计划".to_string());
        if d.due_total == 0 {
            p.push("本周及下周无到期督办事项。".to_string());
        } else {
            let units: Vec<String> = d
                .due_by_unit
                .iter()
                .map(|u| {
                    format!(
                        "{}本周{}项、下周{}项",
                        u.unit_name, u.this_week, u.next_week
                    )
                })
                .collect();
            p.push(format!(
                "本周及下周到期督办事项共{}项，其中{}。请各责任单位对照时限，倒排工期，确保按期办结。",
                d.due_total,
                units.join("，")
            ));
            p.extend(d.due.iter().enumerate().map(|(i, it)| {
                format!(
                    "{}. {}：{}（{}到期）",
                    i + 1,
                    it.unit_name,
                    it.title,
                    it.note
                )
            }));
        }
        p.push("# 三、工作通报".to_string());
        if d.rows.is_empty() {
            p.push(format!("{}无下级单位参与排名。", d.scope_name));
        } else {
            p.push(format!(
                "截至{}，按累计按时办结率排名（{}）：",
                md(d.week_end),
                d.ranking_note
            ));
            for r in &d.rows {
                p.push(format!(
                    "第{}名 {}，按时办结率{}，较上周{}。",
                    r.rank.map(|n| n.to_string()).unwrap_or_else(|| "—".into()),
                    r.unit_name,
                    percent(r.on_time_rate),
                    movement(r)
                ));
            }
        }
        if !d.commended.is_empty() {
            p.push(format!(
                "对按时办结率100%且无红牌督办事项的{}予以通报表扬。",
                d.commended.join("、")
            ));
        }
        if !d.criticised.is_empty() {
            p.push(format!(
                "对有红牌督办事项的{}予以通报批评，请相关单位主要负责人亲自过问，限期整改到位。",
                d.criticised.join("、")
            ));
        }
        p.push("# 四、点评".to_string());
        if self.comments.is_empty() {
            p.push("（待分管领导或督查人员点评。）".to_string());
        }
        for c in &self.comments {
            p.push(format!("{}：{}", c.author_name, c.text));
        }
        p
    }

    /// The bulletin as Markdown: title, 发文 line, body.
    pub fn markdown(&self) -> String {
        let d = &self.data;
        let mut out = format!(
            "# {}\n\n{}　{}　{}\n\n",
            self.title,
            d.issuer_name,
            d.number,
            long_date(d.issued_on)
        );
        for para in self.paragraphs() {
            match para.strip_prefix("# ") {
                Some(h) => out.push_str(&format!("## {h}\n\n")),
                None => out.push_str(&format!("{para}\n\n")),
            }
        }
        out
    }
}
