//! The assignment command pipeline: 交办 (issue), and one transaction per transition with its
//! event, for 签收, 进度报送, 办结, 审核 and 退回.

use crate::access::{check_party, in_scope, may_issue, may_keep_duty, Holder, Party};
use crate::domain::assignment::{
    self as rules, Assignment, Command, Context, Decision, FoundUnit, IssueFacts, NewUnit,
};
use crate::entity::{assignment, deadline_schedule, org_unit, problem};
use crate::rows::{bare_view, domain_err, internal, line_insert};
use crate::scheduler::{ack_reminder, ACK_OVERDUE, DUE_SOON, OVERDUE};
use crate::service::AssignmentsService;
use chrono::{DateTime, FixedOffset, SubsecRound};
use duban_api::{
    ApiError, AssignmentView, IssueAssignmentInput, ReportProgressInput, TextTransitionInput,
    TransitionInput,
};
use duban_auth::Actor;
use duban_outbox::together;
use duban_schema::assignments::{
    AssignmentSnapshot, AssignmentState, AssignmentsEvent, PersonSnapshot,
};
use sea_orm::sea_query::{InsertStatement, UpdateStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    TransactionTrait, TryIntoModel,
};

fn found_unit(u: &org_unit::Model, people: Vec<PersonSnapshot>) -> FoundUnit<'_> {
    FoundUnit {
        id: &u.id,
        path: &u.path,
        name: &u.name,
        people,
    }
}

impl AssignmentsService {
    /// Checks and writes a new assignment with its schedule and event inside `txn`; used
    /// by imports and recurring duties, and by `issueAssignment` with an Idempotency-Key.
    pub(crate) async fn issue_in<C: ConnectionTrait>(
        &self,
        txn: &C,
        actor: &Actor,
        input: &IssueAssignmentInput,
        duty_id: Option<String>,
        now: DateTime<FixedOffset>,
    ) -> Result<assignment::Model, ApiError> {
        let (model, insert, alongside) = self.issued(txn, actor, input, duty_id, now).await?;
        together::execute(txn, &insert, &alongside)
            .await
            .map_err(internal)?;
        Ok(model)
    }

    /// Checks a new assignment, reading through `conn`: the row it makes, the statement
    /// that writes it, and the inserts of its schedule and event to write beside it.
    async fn issued<C: ConnectionTrait>(
        &self,
        conn: &C,
        actor: &Actor,
        input: &IssueAssignmentInput,
        duty_id: Option<String>,
        now: DateTime<FixedOffset>,
    ) -> Result<(assignment::Model, InsertStatement, Vec<InsertStatement>), ApiError> {
        match &duty_id {
            None => may_issue(actor)?,
            Some(_) => {
                let lead = org_unit::Entity::find_by_id(input.lead_unit_id.clone())
                    .one(conn)
                    .await
                    .map_err(internal)?;
                may_keep_duty(actor, lead.as_ref().map_or("", |u| u.path.as_str()))?
            }
        }
        // To the microsecond, as PostgreSQL keeps it: the row answered is the row stored.
        let now = now.trunc_subsecs(6);
        let cal = self.calendar_now();
        let (lead, lead_people) = self
            .unit_with_people(conn, &input.lead_unit_id)
            .await?
            .filter(|(u, _)| in_scope(actor, &u.path))
            .ok_or_else(|| {
                ApiError::validation(
                    "leadUnitId",
                    "承办单位不存在或不在您的督查范围内，请从单位列表中选择",
                )
            })?;
        let mut cooperating = Vec::new();
        for (i, uid) in input.brief.cooperating_unit_ids.iter().enumerate() {
            cooperating.push(
                self.unit_with_people(conn, uid)
                    .await?
                    .filter(|(u, _)| actor.can_see(&u.path))
                    .ok_or_else(|| {
                        ApiError::validation(
                            &format!("cooperatingUnitIds[{i}]"),
                            "配合单位不存在或不在您的督查范围内",
                        )
                    })?,
            );
        }
        let campaign_categories =
            crate::campaigns::categories_of(conn, input.brief.campaign_id.as_deref()).await?;
        if let Some(pid) = &input.brief.problem_id {
            problem::Entity::find_by_id(pid.clone())
                .one(conn)
                .await
                .map_err(internal)?
                .filter(|p| actor.can_see(&p.unit_path))
                .ok_or_else(|| ApiError::validation("problemId", "台账问题不存在"))?;
        }
        let facts = IssueFacts {
            id: duban_outbox::new_event_id(now).to_string(),
            by: (&actor.person_id, &actor.unit_id),
            now,
            calendar: &cal,
            lead: found_unit(&lead, lead_people),
            cooperating: cooperating
                .iter()
                .map(|(u, people)| found_unit(u, people.clone()))
                .collect(),
            campaign_categories,
            duty_id,
        };
        let issued = rules::issue(input, &facts).map_err(domain_err)?;
        let snap = issued.snapshot.clone();
        let (id, due_on, ack_due_on) = (snap.id.clone(), snap.due_on, snap.ack_due_on);
        let row = assignment::ActiveModel {
            color: sea_orm::Set(Some(duban_schema::FIRST_COLOR.as_str().into())),
            ..assignment::ActiveModel::from(&issued)
        };
        let path = snap.lead_unit_path.clone();
        let reminders: Vec<_> = self
            .reminders(&cal, &id, due_on, [DUE_SOON, OVERDUE])
            .into_iter()
            .chain(ack_due_on.map(|d| ack_reminder(&id, d)))
            .collect();
        let event = AssignmentsEvent::AssignmentIssued { assignment: snap };
        // The item, its reminders and its event: one round trip on PostgreSQL.
        let mut alongside = vec![self.event_insert(&actor.person_id, &path, &id, 1, event)?];
        if !reminders.is_empty() {
            alongside.push(deadline_schedule::Entity::insert_many(reminders).into_query());
        }
        // The row is the one written: nothing is read back.
        let model = row.clone().try_into_model().map_err(internal)?;
        Ok((
            model,
            assignment::Entity::insert(row).into_query(),
            alongside,
        ))
    }

    /// Runs one command in one transaction: authorise, check the version, decide by the
    /// domain rule, save with a version guard, write its ledger lines and event, commit.
    /// `unit` and `successor_unit_path` are what the command names, looked up before.
    /// A command with nothing to write but the row, its lines and its event (and no
    /// Idempotency-Key) is one write guarded by the version and the event position it
    /// read: on PostgreSQL one statement, on SQLite one call between BEGIN and COMMIT, or
    /// one savepoint in a transaction shared with the commands waiting beside it
    /// ([`Gathered`](duban_outbox::gather));
    /// otherwise, and when a reminder took the item's next position meanwhile, it runs
    /// under the row's lock.
    pub(crate) async fn transition(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        party: Party,
        command: Command,
        named: (Option<NewUnit>, Option<String>),
    ) -> Result<AssignmentView, ApiError> {
        if !crate::idempotency::has_key() {
            // The row this replica wrote last, if the caller acts on that version: the
            // guarded write below proves it is still the stored one.
            let model = match self.recent.at(id, expected_version) {
                Some(kept) => {
                    self.admitted(&self.db, actor, id, expected_version, party, Some(kept))
                        .await?
                }
                None => {
                    self.checked(&self.db, actor, id, expected_version, party, false)
                        .await?
                }
            };
            let (state, saved, update, alongside) = self.decided(
                actor,
                expected_version,
                &model,
                command.clone(),
                named.clone(),
            )?;
            if !moves(&model, &state.snapshot).any() {
                let mut update = update;
                update.and_where(assignment::Column::LastSequence.eq(model.last_sequence));
                let stored = self
                    .gathered
                    .write_alone_if_changed::<Stored>(&update, &alongside)
                    .await
                    .map_err(internal)?;
                if let Some(stored) = stored {
                    let saved = stored.on(saved);
                    self.recent.keep(&saved);
                    self.bus.wake.notify_one();
                    return bare_view(saved);
                }
                // Changed since it was read or kept: decided again on what the lock reads.
                self.recent.forget(id);
            }
        }
        let txn = self.db.begin().await.map_err(internal)?;
        // Under the row's lock: a reminder may take the item's next position meanwhile.
        let model = self
            .checked(&txn, actor, id, expected_version, party, true)
            .await?;
        let (state, saved, update, alongside) =
            self.decided(actor, expected_version, &model, command, named)?;
        let next = &state.snapshot;
        let moves = moves(&model, next);
        let saved = together::write::<Stored, _>(&txn, &update, &alongside)
            .await
            .map_err(internal)?
            .ok_or_else(|| crate::rows::moved_on(expected_version))?
            .on(saved);
        if let Some(ack) = moves.ack {
            deadline_schedule::Entity::delete_many()
                .filter(deadline_schedule::Column::AssignmentId.eq(id))
                .filter(deadline_schedule::Column::Kind.eq(ACK_OVERDUE))
                .exec(&txn)
                .await
                .map_err(internal)?;
            deadline_schedule::Entity::insert(ack_reminder(id, ack))
                .exec_without_returning(&txn)
                .await
                .map_err(internal)?;
        }
        if moves.due {
            let cal = self.calendar_now();
            self.schedule(&txn, &cal, &next.id, next.due_on).await?;
        }
        // Like a new item's, a command's answer leaves out the item's history.
        let view = bare_view(saved.clone())?;
        crate::idempotency::answer_with(&view);
        self.commit(txn).await?;
        self.recent.keep(&saved);
        Ok(view)
    }

    /// The item `id` as `actor` may act on it as `party`, at `expected_version`: read
    /// under the row's lock when `lock`.
    async fn checked<C: ConnectionTrait>(
        &self,
        conn: &C,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        party: Party,
        lock: bool,
    ) -> Result<assignment::Model, ApiError> {
        let mut find = assignment::Entity::find_by_id(id.to_string());
        if lock {
            find = find.lock_exclusive();
        }
        let model = find.one(conn).await.map_err(internal)?;
        self.admitted(conn, actor, id, expected_version, party, model)
            .await
    }

    /// `model`, the row of item `id` read or kept, if `actor` may act on it as `party`
    /// and it is at `expected_version`.
    async fn admitted<C: ConnectionTrait>(
        &self,
        conn: &C,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        party: Party,
        model: Option<assignment::Model>,
    ) -> Result<assignment::Model, ApiError> {
        let model = model
            .filter(|m| actor.can_see(&m.lead_unit_path) || actor.works_in(&m.lead_unit_path))
            .ok_or_else(|| ApiError::not_found("交办事项", id))?;
        // Kept in memory like the unit an item is issued to, until the directory changes.
        let issuer_unit = match party {
            Party::Issuer => self
                .unit_with_people(conn, &model.issuer_unit_id)
                .await?
                .map(|(unit, _)| unit),
            _ => None,
        };
        check_party(
            actor,
            party,
            &Holder {
                lead_unit_path: &model.lead_unit_path,
                issuer_id: &model.issuer_id,
                issuer_unit_path: issuer_unit.as_ref().map(|u| u.path.as_str()),
            },
        )?;
        if model.version != expected_version {
            return Err(ApiError::VersionConflict {
                expected: expected_version,
                actual: model.version,
            });
        }
        Ok(model)
    }

    /// The item after the domain's decision on `model`, its row as that leaves it, and the
    /// statements that save it: the row's update (only the columns that moved, guarded by
    /// the version, returning the [`Stored`] color) and its event and ledger lines.
    fn decided(
        &self,
        actor: &Actor,
        expected_version: i64,
        model: &assignment::Model,
        command: Command,
        (unit, successor_unit_path): (Option<NewUnit>, Option<String>),
    ) -> Result<
        (
            Assignment,
            assignment::Model,
            UpdateStatement,
            Vec<InsertStatement>,
        ),
        ApiError,
    > {
        let current = Assignment::try_from(model)?;
        let now = self.clock.now();
        let cal = self.calendar_now();
        let ctx = Context {
            by: &actor.person_id,
            now,
            calendar: &cal,
            extension_cap: self.extension_cap,
            line_id: duban_outbox::new_event_id(now).to_string(),
            unit,
            successor_unit_path,
        };
        let Decision {
            state,
            event,
            lines,
        } = rules::decide(&current, command, &ctx).map_err(domain_err)?;
        let next = &state.snapshot;
        let (saved, row) = crate::rows::moved(
            model,
            &crate::rows::decided_row(&state),
            assignment::Column::Version,
        );
        let mut alongside = vec![self.event_insert(
            &actor.person_id,
            &next.lead_unit_path,
            &next.id,
            state.last_sequence,
            event,
        )?];
        alongside.extend(lines.into_iter().map(|l| line_insert(&model.id, l)));
        let mut update = assignment::Entity::update_many()
            .set(row)
            .filter(assignment::Column::Id.eq(model.id.clone()))
            .filter(assignment::Column::Version.eq(expected_version))
            .into_query();
        update.returning_col(assignment::Column::Color);
        Ok((state, saved, update, alongside))
    }

    pub(crate) async fn issue_assignment(
        &self,
        actor: &Actor,
        input: IssueAssignmentInput,
    ) -> Result<AssignmentView, ApiError> {
        let now = self.clock.now();
        // With no Idempotency-Key to write beside them, the item, its reminders and its
        // event are one statement on PostgreSQL and one call with its BEGIN and COMMIT on
        // SQLite (or one savepoint in a transaction shared with the commands waiting
        // beside it): a transaction of their own, in one round trip.
        if !crate::idempotency::has_key() {
            let (model, insert, alongside) =
                self.issued(&self.db, actor, &input, None, now).await?;
            self.gathered
                .execute_alone(&insert, &alongside)
                .await
                .map_err(internal)?;
            self.recent.keep(&model);
            self.bus.wake.notify_one();
            return bare_view(model);
        }
        let txn = self.db.begin().await.map_err(internal)?;
        let model = self.issue_in(&txn, actor, &input, None, now).await?;
        // A new item has no reports, deadline changes or transfers to look up.
        let view = bare_view(model.clone())?;
        crate::idempotency::answer_with(&view);
        self.commit(txn).await?;
        self.recent.keep(&model);
        Ok(view)
    }

    pub(crate) async fn acknowledge_assignment(
        &self,
        actor: &Actor,
        input: TransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        let (id, v) = (&input.id, input.expected_version);
        self.transition(actor, id, v, Party::LeadUnit, Command::Acknowledge, NOTHING)
            .await
    }

    pub(crate) async fn report_progress(
        &self,
        actor: &Actor,
        input: ReportProgressInput,
    ) -> Result<AssignmentView, ApiError> {
        let command = Command::ReportProgress {
            percent: input.percent,
            text: input.text,
            evidence: input.evidence,
        };
        let (id, v) = (&input.id, input.expected_version);
        self.transition(actor, id, v, Party::LeadUnit, command, NOTHING)
            .await
    }

    pub(crate) async fn complete_assignment(
        &self,
        actor: &Actor,
        input: TextTransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        let command = Command::Complete { result: input.text };
        let (id, v) = (&input.id, input.expected_version);
        self.transition(actor, id, v, Party::LeadUnit, command, NOTHING)
            .await
    }

    pub(crate) async fn verify_assignment(
        &self,
        actor: &Actor,
        input: TransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        let (id, v) = (&input.id, input.expected_version);
        self.transition(actor, id, v, Party::Issuer, Command::Verify, NOTHING)
            .await
    }

    pub(crate) async fn return_assignment(
        &self,
        actor: &Actor,
        input: TextTransitionInput,
    ) -> Result<AssignmentView, ApiError> {
        let command = Command::Return { reason: input.text };
        let (id, v) = (&input.id, input.expected_version);
        self.transition(actor, id, v, Party::Issuer, command, NOTHING)
            .await
    }
}

/// What a transition changes of its item's reminders.
struct Moves {
    /// The sign-for limit, when set anew.
    ack: Option<chrono::NaiveDate>,
    /// Whether the time limit's reminders are laid again: it moved, or the item resumed.
    due: bool,
}

impl Moves {
    fn any(&self) -> bool {
        self.ack.is_some() || self.due
    }
}

/// What a transition's update sends back: the one column the command does not decide.
#[derive(sea_orm::FromQueryResult)]
struct Stored {
    color: Option<String>,
}

impl Stored {
    /// `saved` with the color stored beside it.
    fn on(self, saved: assignment::Model) -> assignment::Model {
        assignment::Model {
            color: self.color,
            ..saved
        }
    }
}

/// What the transition from `before` to `next` changes of the item's reminders: the one
/// rule for whether a command may skip the row's lock, and what it then writes.
fn moves(before: &assignment::Model, next: &AssignmentSnapshot) -> Moves {
    let resumed = before.state == AssignmentState::Suspended.as_str()
        && next.state != AssignmentState::Suspended;
    Moves {
        ack: next
            .ack_due_on
            .filter(|_| next.ack_due_on != before.ack_due_on),
        due: next.due_on != before.due_on || resumed,
    }
}

/// A command that names no unit and no person.
const NOTHING: (Option<NewUnit>, Option<String>) = (None, None);
