//! 周通报 over GraphQL: `bulletins`, `bulletin`, `commentBulletin` (the files are in
//! `bulletin_file.rs`).

use crate::caller::{actor, services};
use crate::error::ApiResultExt;
use crate::types::{Date, DateTime};
use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use duban_api::{BulletinRow, BulletinView};

fn n(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// A comment (一点评).
#[derive(SimpleObject)]
pub struct BulletinComment {
    /// Who.
    pub author_id: ID,
    /// Their name.
    pub author_name: String,
    /// What they wrote.
    pub text: String,
    /// When.
    pub at: DateTime,
}

/// A weekly bulletin (周通报): 一总结、一计划、一通报、一点评.
pub struct Bulletin(BulletinView);

#[Object]
impl Bulletin {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// 发文字号.
    async fn number(&self) -> &str {
        &self.0.data.number
    }
    /// The unit it is about.
    async fn scope_unit_id(&self) -> ID {
        ID(self.0.data.scope_unit_id.clone())
    }
    /// Its name.
    async fn scope_name(&self) -> &str {
        &self.0.data.scope_name
    }
    /// The Monday of the week it reports on.
    async fn week_start(&self) -> Date {
        Date(self.0.data.week_start)
    }
    /// The Sunday.
    async fn week_end(&self) -> Date {
        Date(self.0.data.week_end)
    }
    /// When it was published.
    async fn published_at(&self) -> DateTime {
        DateTime(self.0.published_at)
    }
    /// The scope's own line.
    async fn total(&self) -> &BulletinRow {
        &self.0.data.total
    }
    /// Its units' lines, in rank order.
    async fn rows(&self) -> &[BulletinRow] {
        &self.0.data.rows
    }
    /// Red cards standing at publication.
    async fn red_total(&self) -> i32 {
        n(self.0.data.red_total)
    }
    /// Yellow cards standing at publication.
    async fn yellow_total(&self) -> i32 {
        n(self.0.data.yellow_total)
    }
    /// Items due this week and next.
    async fn due_total(&self) -> i32 {
        n(self.0.data.due_total)
    }
    /// Units commended by rule (按时办结率100%且无红牌).
    async fn commended(&self) -> &[String] {
        &self.0.data.commended
    }
    /// Units criticised by rule (红牌督办事项).
    async fn criticised(&self) -> &[String] {
        &self.0.data.criticised
    }
    /// How ties rank.
    async fn ranking_note(&self) -> &str {
        &self.0.data.ranking_note
    }
    /// Comments, oldest first.
    async fn comments(&self) -> Vec<BulletinComment> {
        self.0
            .comments
            .iter()
            .map(|c| BulletinComment {
                author_id: ID(c.author_id.clone()),
                author_name: c.author_name.clone(),
                text: c.text.clone(),
                at: DateTime(c.at),
            })
            .collect()
    }
    /// The whole text, as Markdown.
    async fn markdown(&self) -> String {
        self.0.markdown()
    }
}

/// Bulletin queries.
#[derive(Default)]
pub struct BulletinQuery;

#[Object]
impl BulletinQuery {
    /// Weekly bulletins of a unit (default: all the caller may read: those of units in
    /// their scope and of the units above theirs) whose week began from `from` to `to`,
    /// newest first, at most 200.
    #[graphql(complexity = "200 * child_complexity")]
    async fn bulletins(
        &self,
        ctx: &Context<'_>,
        scope: Option<ID>,
        from: Option<Date>,
        to: Option<Date>,
    ) -> async_graphql::Result<Vec<Bulletin>> {
        let a = actor(ctx)?;
        let s = services(ctx)?;
        let path = match scope {
            Some(id) => Some(s.assignments.org_unit(a, &id).await.gql()?.path),
            None => None,
        };
        let v = s
            .evaluation
            .bulletins(a, path, from.map(|d| d.0), to.map(|d| d.0))
            .await
            .gql()?;
        Ok(v.into_iter().map(Bulletin).collect())
    }

    /// One bulletin (in scope, of a unit above the caller's, or of a unit the caller is
    /// 分管领导 of).
    async fn bulletin(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Bulletin> {
        let v = services(ctx)?
            .evaluation
            .bulletin(actor(ctx)?, &id)
            .await
            .gql()?;
        Ok(Bulletin(v))
    }
}

/// Input of `commentBulletin`.
#[derive(InputObject)]
pub struct CommentBulletinInput {
    /// The bulletin.
    pub id: ID,
    /// The comment, at most 2,000 characters.
    pub text: String,
}

/// Bulletin mutations.
#[derive(Default)]
pub struct BulletinMutation;

#[Object]
impl BulletinMutation {
    /// 一点评: comments on a bulletin (a SUPERVISOR whose scope covers it, or the unit's
    /// 分管领导); its unit's leaders are told. Audited.
    async fn comment_bulletin(
        &self,
        ctx: &Context<'_>,
        input: CommentBulletinInput,
    ) -> async_graphql::Result<Bulletin> {
        let v = services(ctx)?
            .evaluation
            .comment_bulletin(actor(ctx)?, &input.id, &input.text)
            .await
            .gql()?;
        Ok(Bulletin(v))
    }
}
