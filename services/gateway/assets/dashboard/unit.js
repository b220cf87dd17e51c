// Drill-down: a unit's red and yellow items with the rule and reason, the units under it,
// and each item's timeline from issue to the audit log.

import * as api from './api.js';
import { h, show, rate, card, when, failure, toast } from './ui.js';

function itemList(title, id, conn) {
  return h('section', { class: 'items', id },
    h('h2', {}, title + '（' + conn.totalCount + '）'),
    conn.nodes.length === 0 ? h('p', { class: 'muted' }, '无') :
      h('ul', {}, conn.nodes.map((a) => h('li', { 'data-item': a.id },
        card(a.color), ' ',
        h('a', { href: '#/item/' + encodeURIComponent(a.id) }, a.title),
        h('div', { class: 'muted' }, a.leadUnitName + ' · ' + a.stateLabel + ' · 办理时限 ' + a.dueOn),
        a.colorReason ? h('div', { class: 'reason' }, '亮牌依据：', a.colorRule ? '〔' + a.colorRule + '〕' : '', a.colorReason) : null))));
}

export async function unitView(state, unitId) {
  show(h('p', { class: 'muted' }, '正在加载……'));
  try {
    const data = await api.gql('UnitItems', { scope: unitId });
    const b = data.board;
    const name = b.total.unit.name;
    const children = b.rows.length === 0 ? null : h('section', { id: 'unit-children' },
      h('h2', {}, '下属单位'),
      h('div', { class: 'scroll' }, h('table', { class: 'board' },
        h('thead', {}, h('tr', {}, ['排名', '单位', '蓝牌', '黄牌', '红牌', '在办', '超期', '按时办结率', '及时签收率'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, b.rows.map((r) => h('tr', { 'data-unit': r.unit.id },
          h('td', {}, r.rank ?? '—'),
          h('th', { scope: 'row' }, h('a', { href: '#/unit/' + encodeURIComponent(r.unit.id) }, r.unit.name)),
          h('td', { class: 'n' }, r.blue), h('td', { class: 'n' }, r.yellow), h('td', { class: 'n' }, r.red),
          h('td', { class: 'n' }, r.open), h('td', { class: 'n' }, r.overdue),
          h('td', { class: 'n' }, rate(r.onTimeRate)), h('td', { class: 'n' }, rate(r.ackOnTimeRate))))))));
    show(
      h('p', {}, h('a', { href: '#/board' }, '← 县级总览')),
      h('h1', { id: 'unit-name' }, name),
      h('p', { class: 'summary' },
        '红牌 ', h('strong', { class: 'red' }, b.total.red), '　黄牌 ', h('strong', { class: 'yellow' }, b.total.yellow),
        '　蓝牌 ', h('strong', { class: 'blue' }, b.total.blue), '　在办 ', b.total.open, '　超期 ', b.total.overdue,
        '　按时办结率 ', rate(b.total.onTimeRate), '　及时签收率 ', rate(b.total.ackOnTimeRate)),
      itemList('红牌事项', 'red-items', data.red),
      itemList('黄牌事项', 'yellow-items', data.yellow),
      children);
    state.stop.push(api.subscribe('BoardChanged', { scope: unitId }, () => unitView(state, unitId)));
  } catch (e) {
    show(failure(e));
  }
}

function events(a, audit) {
  const list = [{ at: a.issuedAt, what: '交办', text: '办理时限 ' + a.dueOn + (a.timeLimitDays ? '（' + a.timeLimitDays + ' 个工作日）' : '') }];
  if (a.acknowledgedAt) list.push({ at: a.acknowledgedAt, what: '签收', text: '' });
  for (const p of a.progressReports) {
    list.push({ at: p.reportedAt, what: '报送进度 ' + p.percent + '%', text: p.text, evidence: p.evidence });
  }
  for (const d of a.deadlineChanges) list.push({ at: d.at, what: '时限调整', text: d.from + ' → ' + d.to + '：' + d.reason });
  for (const t of a.transfers) {
    list.push({ at: t.decidedAt, what: t.approved ? '转办' : '转办未同意', text: t.fromUnitId + ' → ' + t.toUnitId + '：' + t.reason });
  }
  for (const n of a.notices) {
    const ack = n.requiresAck ? (n.acknowledgedAt ? '（已确认 ' + when(n.acknowledgedAt) + '）' : '（未确认）') : '';
    list.push({ at: n.createdAt, what: n.rung > 0 ? '逐级提醒' : '通知', text: n.title + ack });
  }
  if (a.completedAt) list.push({ at: a.completedAt, what: '办结', text: a.result || '' });
  for (const e of audit) list.push({ at: e.occurredAt, what: '审计日志 #' + e.index, text: e.eventType + ' · ' + e.leafHash.slice(0, 16) + '…' });
  return list.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
}

/** For a completed 群众诉求: the link (or QR payload) the person served rates it with. */
function ratingLink(a) {
  if (a.source !== 'PUBLIC_REQUEST' || !['COMPLETED', 'CLOSED'].includes(a.state)) return null;
  const out = h('input', { id: 'rating-link', readonly: true, 'aria-label': '评价链接', size: 60 });
  const button = h('button', { type: 'button', id: 'rating-link-make' }, '生成好差评链接');
  button.addEventListener('click', async () => {
    try {
      const l = await api.gql('RatingLink', { id: a.id });
      out.value = location.origin + l.ratingLink.path;
      out.select();
      toast('链接已生成：请发给服务对象或制成二维码；重新生成后旧链接失效');
    } catch (e) {
      toast(e.message);
    }
  });
  return h('p', { class: 'tools' }, button, out);
}

export async function itemView(state, id) {
  show(h('p', { class: 'muted' }, '正在加载……'));
  try {
    const data = await api.gql('Item', { id });
    const a = data.assignment;
    let audit = [];
    try {
      audit = (await api.gql('ItemAudit', { id })).auditEntries.nodes;
    } catch (e) {
      // Only DISCIPLINE and ADMIN read the audit log.
    }
    show(
      h('p', {}, h('button', { type: 'button', class: 'link', onclick: () => history.back() }, '← 返回')),
      h('h1', { id: 'item-title' }, card(a.color), ' ', a.title),
      h('p', { class: 'muted' }, a.leadUnitName + ' · ' + a.stateLabel + ' · 办理时限 ' + a.dueOn + ' · 进度 ' + a.progressPercent + '%'),
      a.colorReason ? h('p', { class: 'reason', id: 'item-reason' }, '亮牌依据：', a.colorRule ? '〔' + a.colorRule + '〕' : '', a.colorReason) : null,
      h('p', {}, a.description),
      ratingLink(a),
      h('h2', {}, '办理过程'),
      h('ol', { class: 'timeline', id: 'timeline' }, events(a, audit).map((e) => h('li', {},
        h('time', { datetime: e.at }, when(e.at)), ' ', h('strong', {}, e.what), e.text ? ' ' + e.text : '',
        e.evidence && e.evidence.length ? h('ul', { class: 'evidence' }, e.evidence.map((x) => h('li', {}, '佐证：' + x))) : null))));
  } catch (e) {
    show(failure(e));
  }
}
