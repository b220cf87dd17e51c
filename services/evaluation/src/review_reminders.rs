//! 作风体检 reminders: the day before a round closes, everyone of its scope with scores
//! left to give (互评 of the units outside their own, the unit leaders whose 自评 is not
//! in, and the 分管领导 whose 点评 is not in) is told once, through an event notifications
//! turns into notices.

use crate::entity::{org_unit_copy, person_copy, review_round, review_submission};
use crate::service::{internal, EvaluationService};
use duban_api::ApiError;
use duban_auth::in_subtree;
use duban_schema::evaluation::EvaluationEvent;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use std::collections::{BTreeSet, HashMap};

impl EvaluationService {
    /// Reminds the rounds that close tomorrow or today, once each; returns how many.
    pub async fn remind_reviews(&self) -> Result<usize, ApiError> {
        let today = self.clock.today();
        let due = review_round::Entity::find()
            .filter(review_round::Column::Status.eq("OPEN"))
            .filter(review_round::Column::Reminded.eq(false))
            .filter(review_round::Column::Deadline.lte(today + chrono::Days::new(1)))
            .all(&self.db)
            .await
            .map_err(internal)?;
        let mut n = 0;
        for round in due {
            let pending = self.pending(&round).await?;
            let scope_name = org_unit_copy::Entity::find_by_id(round.scope_unit_id.clone())
                .one(&self.db)
                .await
                .map_err(internal)?
                .map(|u| u.name)
                .unwrap_or_default();
            let txn = self.db.begin().await.map_err(internal)?;
            let marked = review_round::Entity::update_many()
                .col_expr(review_round::Column::Reminded, true.into())
                .filter(review_round::Column::Id.eq(round.id.clone()))
                .filter(review_round::Column::Reminded.eq(false))
                .exec(&txn)
                .await
                .map_err(internal)?;
            if marked.rows_affected == 0 {
                continue;
            }
            let leaders = self.missing_comments(&txn, &round).await?;
            let person_ids: Vec<String> = pending
                .into_iter()
                .chain(leaders)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if !person_ids.is_empty() {
                self.envelope_out(
                    &txn,
                    "system",
                    &round.scope_path,
                    &round.id,
                    round.version,
                    vec![EvaluationEvent::ConductReviewDue {
                        round_id: round.id.clone(),
                        scope_name,
                        month: round.month.clone(),
                        deadline: round.deadline,
                        person_ids,
                    }],
                )
                .await?;
            }
            txn.commit().await.map_err(internal)?;
            self.bus.wake.notify_one();
            n += 1;
        }
        Ok(n)
    }

    /// The people of the round's scope who have given fewer 互评 than there are units
    /// outside their own, and the unit leaders of units whose 自评 is not in.
    async fn pending(&self, round: &review_round::Model) -> Result<Vec<String>, ApiError> {
        let unit_ids: Vec<String> = serde_json::from_str(&round.unit_ids).map_err(internal)?;
        let paths: HashMap<String, String> = org_unit_copy::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(org_unit_copy::Column::Path.eq(round.scope_path.clone()))
                    .add(org_unit_copy::Column::Path.starts_with(format!("{}/", round.scope_path))),
            )
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|u| (u.id, u.path))
            .collect();
        let targets: Vec<&String> = unit_ids.iter().filter_map(|u| paths.get(u)).collect();
        let mut given: HashMap<String, usize> = HashMap::new();
        let mut assessed = BTreeSet::new();
        for s in review_submission::Entity::find()
            .filter(review_submission::Column::RoundId.eq(round.id.clone()))
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            match s.source.as_str() {
                "PEER" => *given.entry(s.person_id).or_default() += 1,
                "SELF_ASSESSMENT" => {
                    assessed.insert(s.unit_id);
                }
                _ => {}
            }
        }
        let unassessed: Vec<&String> = unit_ids
            .iter()
            .filter(|u| !assessed.contains(*u))
            .filter_map(|u| paths.get(u))
            .collect();
        let people = person_copy::Entity::find()
            .filter(person_copy::Column::UnitId.is_in(paths.keys().cloned().collect::<Vec<_>>()))
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(people
            .into_iter()
            .filter(|p| {
                let Some(own) = paths.get(&p.unit_id) else {
                    return false;
                };
                let expected = targets.iter().filter(|t| !in_subtree(own, t)).count();
                let self_assessment_due = p.leads && unassessed.iter().any(|t| in_subtree(own, t));
                self_assessment_due || given.get(&p.person_id).copied().unwrap_or(0) < expected
            })
            .map(|p| p.person_id)
            .collect())
    }

    /// The 分管领导 of each unit of the round whose 点评 is not in.
    async fn missing_comments(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        round: &review_round::Model,
    ) -> Result<Vec<String>, ApiError> {
        let unit_ids: Vec<String> = serde_json::from_str(&round.unit_ids).map_err(internal)?;
        let commented: BTreeSet<String> = review_submission::Entity::find()
            .filter(review_submission::Column::RoundId.eq(round.id.clone()))
            .filter(review_submission::Column::Source.eq("LEADER_COMMENT"))
            .all(txn)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|s| s.unit_id)
            .collect();
        let mut out = Vec::new();
        for u in unit_ids.iter().filter(|u| !commented.contains(*u)) {
            if let Some(l) = self.leader_of(txn, u).await? {
                out.push(l);
            }
        }
        Ok(out)
    }
}
