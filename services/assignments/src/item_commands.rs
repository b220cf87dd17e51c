//! The commands on an existing item beyond its main line: extension, transfer, 回退 and
//! reassignment, cancel, reopen, suspend and resume, supervision level, change of 责任人.

use crate::access::{in_scope, Party};
use crate::domain::assignment::{Command, NewUnit};
use crate::domain::directory::pick_responsible;
use crate::entity::{assignment, person};
use crate::rows::internal;
use crate::service::AssignmentsService;
use duban_api::{ApiError, AssignmentCommand, AssignmentView};
use duban_auth::Actor;
use sea_orm::EntityTrait;

impl AssignmentsService {
    pub(crate) async fn command(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        command: AssignmentCommand,
    ) -> Result<AssignmentView, ApiError> {
        let party = match command {
            AssignmentCommand::RequestExtension { .. }
            | AssignmentCommand::ReturnToIssuer { .. }
            | AssignmentCommand::RequestTransfer { .. } => Party::LeadUnit,
            AssignmentCommand::RaiseSupervision { .. }
            | AssignmentCommand::ChangeResponsible { .. } => Party::Supervisor,
            _ => Party::Issuer,
        };
        // The new 责任人 is read before the transaction; the transition checks they work
        // in the lead unit it finds.
        let successor = match &command {
            AssignmentCommand::ChangeResponsible { person_id, .. } => Some(
                person::Entity::find_by_id(person_id.clone())
                    .one(&self.db)
                    .await
                    .map_err(internal)?
                    .filter(|p| !p.deactivated && actor.can_see(&p.unit_path))
                    .ok_or_else(|| {
                        ApiError::validation("personId", "人员不存在、已停用或不在您的督查范围内")
                    })?,
            ),
            _ => None,
        };
        // Units a transfer names are read before the transaction; the transition checks
        // they still match what it finds.
        let target = match &command {
            AssignmentCommand::RequestTransfer { to_unit_id, .. } => Some(to_unit_id.clone()),
            AssignmentCommand::Reassign { lead_unit_id, .. } => Some(lead_unit_id.clone()),
            AssignmentCommand::DecideTransfer { approve: true } => {
                assignment::Entity::find_by_id(id.to_string())
                    .one(&self.db)
                    .await
                    .map_err(internal)?
                    .and_then(|m| m.pending_transfer_unit_id)
            }
            _ => None,
        };
        let new_unit = match &target {
            Some(unit_id) => {
                let deciding = matches!(
                    command,
                    AssignmentCommand::DecideTransfer { .. } | AssignmentCommand::Reassign { .. }
                );
                let field = match command {
                    AssignmentCommand::Reassign { .. } => "leadUnitId",
                    _ => "toUnitId",
                };
                let (unit, people) = self
                    .unit_with_people(&self.db, unit_id)
                    .await?
                    .filter(|(u, _)| !deciding || in_scope(actor, &u.path))
                    .ok_or_else(|| ApiError::validation(field, "单位不存在或不在您的督查范围内"))?;
                let responsible = pick_responsible(&people, None)
                    .ok_or_else(|| ApiError::validation(field, "该单位尚无人员，无法明确责任人"))?;
                Some((unit.id, unit.path, unit.name, responsible))
            }
            None => None,
        };
        let successor_unit_path = successor.map(|p| p.unit_path);
        let unit = new_unit.map(|(id, path, name, responsible)| NewUnit {
            id,
            path,
            name,
            responsible,
        });
        let command = Command::Item(command);
        let found = (unit, successor_unit_path);
        self.transition(actor, id, expected_version, party, command, found)
            .await
    }
}
