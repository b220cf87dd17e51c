//! Pushes over GraphQL: the push channels an admin keeps (webhooks for county platforms
//! and SMS gateways, 钉钉 and 企业微信 group robots, e-mail), their deliveries and
//! replays, and each person's push contacts.

use crate::caller::{actor, page_cost, services};
use crate::error::ApiResultExt;
use crate::types::NotificationKind;
use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

pub use duban_schema::notifications::ChannelKind;

pub use duban_schema::notifications::WebhookSnapshot as Webhook;

/// Input of `createWebhook`.
#[derive(InputObject)]
pub struct CreateWebhookInput {
    /// Name, e.g. 县政务平台短信网关.
    pub name: String,
    /// Where it delivers.
    pub channel: ChannelKind,
    /// `https://…` (`http://` on the intranet); for e-mail `smtp://host:port`
    /// (`?tls=required` for STARTTLS) or `smtps://…`.
    pub url: String,
    /// Webhook HMAC secret (made and shown once when absent); 钉钉 加签 `SEC…` secret.
    pub secret: Option<String>,
    /// Notice kinds to carry; empty: every kind.
    #[graphql(default)]
    pub kinds: Vec<NotificationKind>,
    /// The unit whose notices (with everything under it) it carries; default: the
    /// caller's whole scope.
    pub scope_unit_id: Option<ID>,
    /// Deliveries in flight at once, 1–16 (default 4).
    pub max_concurrency: Option<i32>,
    /// E-mail sender address (e-mail channels).
    pub sender: Option<String>,
}

/// Result of `createWebhook`.
#[derive(SimpleObject)]
pub struct CreateWebhookPayload {
    /// The channel.
    pub webhook: Webhook,
    /// The secret duban made to sign its deliveries: shown this once.
    pub secret: Option<String>,
}

/// Input naming one channel or one delivery.
#[derive(InputObject)]
pub struct PushIdInput {
    /// Its id.
    pub id: ID,
}

/// Result of `deleteWebhook`.
#[derive(SimpleObject)]
pub struct DeleteWebhookPayload {
    /// The channel as it was.
    pub webhook: Webhook,
}

/// Result of `replayDelivery`.
#[derive(SimpleObject)]
pub struct ReplayDeliveryPayload {
    /// The delivery, pending again.
    pub delivery: duban_api::DeliveryView,
}

/// Input of `setPushContact`.
#[derive(InputObject)]
pub struct SetPushContactInput {
    /// Whose: oneself, or anyone in an admin's scope.
    pub person_id: ID,
    /// Mobile number (11 digits), for SMS gateways and robot @-mentions; null clears it.
    pub mobile: Option<String>,
    /// E-mail address; null clears it.
    pub email: Option<String>,
}

/// A person's push contacts.
#[derive(SimpleObject)]
pub struct PushContactPayload {
    /// Whose.
    pub person_id: ID,
    /// Mobile number.
    pub mobile: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
}

/// Push queries.
#[derive(Default)]
pub struct PushQuery;

#[Object]
impl PushQuery {
    /// The caller's own push contacts.
    async fn my_push_contact(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<PushContactPayload> {
        let c = services(ctx)?
            .notifications
            .my_push_contact(actor(ctx)?)
            .await
            .gql()?;
        Ok(PushContactPayload {
            person_id: ID(c.person_id),
            mobile: c.mobile,
            email: c.email,
        })
    }

    /// Push channels in the caller's scope (ADMIN).
    async fn webhooks(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Webhook>> {
        let v = services(ctx)?
            .notifications
            .webhooks(actor(ctx)?)
            .await
            .gql()?;
        Ok(v.into_iter().collect())
    }

    /// The newest deliveries through a channel, of one status or all (ADMIN); `first`
    /// at most 200 (default 50).
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        webhook_id: ID,
        status: Option<duban_api::DeliveryStatus>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<duban_api::DeliveryView>> {
        let limit = first.unwrap_or(50).clamp(1, 200) as usize;
        let v = services(ctx)?
            .notifications
            .webhook_deliveries(actor(ctx)?, &webhook_id, status, limit)
            .await
            .gql()?;
        Ok(v.into_iter().collect())
    }
}

/// Push mutations.
#[derive(Default)]
pub struct PushMutation;

#[Object]
impl PushMutation {
    /// Adds a push channel (ADMIN of its scope); audited.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookInput,
    ) -> async_graphql::Result<CreateWebhookPayload> {
        let a = actor(ctx)?;
        let s = services(ctx)?;
        let scope_path = match &input.scope_unit_id {
            Some(id) => s.assignments.org_unit(a, id).await.gql()?.path,
            None => a.scope.clone(),
        };
        let created = s
            .notifications
            .create_webhook(
                a,
                duban_api::CreateWebhookInput {
                    name: input.name,
                    channel: input.channel,
                    url: input.url,
                    secret: input.secret,
                    kinds: input.kinds.into_iter().collect(),
                    scope_path,
                    max_concurrency: input.max_concurrency,
                    sender: input.sender,
                },
            )
            .await
            .gql()?;
        Ok(CreateWebhookPayload {
            webhook: created.webhook,
            secret: created.secret,
        })
    }

    /// Removes a push channel (ADMIN); what waits in its queue is not sent. Audited.
    async fn delete_webhook(
        &self,
        ctx: &Context<'_>,
        input: PushIdInput,
    ) -> async_graphql::Result<DeleteWebhookPayload> {
        let w = services(ctx)?
            .notifications
            .delete_webhook(actor(ctx)?, &input.id)
            .await
            .gql()?;
        Ok(DeleteWebhookPayload { webhook: w })
    }

    /// Sends a dead (or delivered) delivery again, once (ADMIN). Audited.
    async fn replay_delivery(
        &self,
        ctx: &Context<'_>,
        input: PushIdInput,
    ) -> async_graphql::Result<ReplayDeliveryPayload> {
        let d = services(ctx)?
            .notifications
            .replay_delivery(actor(ctx)?, &input.id)
            .await
            .gql()?;
        Ok(ReplayDeliveryPayload { delivery: d })
    }

    /// Sets a person's push contacts: one's own, or anyone's in an admin's scope.
    async fn set_push_contact(
        &self,
        ctx: &Context<'_>,
        input: SetPushContactInput,
    ) -> async_graphql::Result<PushContactPayload> {
        let c = services(ctx)?
            .notifications
            .set_push_contact(
                actor(ctx)?,
                duban_api::SetPushContactInput {
                    person_id: input.person_id.0,
                    mobile: input.mobile,
                    email: input.email,
                },
            )
            .await
            .gql()?;
        Ok(PushContactPayload {
            person_id: ID(c.person_id),
            mobile: c.mobile,
            email: c.email,
        })
    }
}
