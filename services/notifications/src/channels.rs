//! The admin's side of pushes: channels of a scope (created, listed, removed), their
//! deliveries and replays, and each person's push contacts. Every write checks role and
//! scope here, and is an event.

use crate::deliver::{delivery_view, snapshot, status_str};
use crate::directory::directory_person;
use crate::entity::{delivery, push_channel, push_contact, wire};
use crate::service::{internal, NotificationsService};
use duban_api::{
    ApiError, CreateWebhookInput, CreatedWebhook, DeliveryStatus, DeliveryView, PushContactView,
    SetPushContactInput,
};
use duban_auth::Actor;
use duban_schema::notifications::{ChannelKind, NotificationsEvent, WebhookSnapshot};
use duban_schema::{topics, Envelope, Role};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

/// Channels a county may have.
const MAX_CHANNELS: u64 = 50;

fn admin_of(actor: &Actor, path: &str) -> Result<(), ApiError> {
    ApiError::forbidden_unless(actor.has(Role::Admin), "推送通道仅限系统管理员管理")?;
    ApiError::forbidden_unless(actor.can_see(path), "该范围不在你的管辖范围内")?;
    Ok(())
}

/// Whether `s` is a mainland mobile number: 11 digits from 1.
fn is_mobile(s: &str) -> bool {
    s.len() == 11 && s.starts_with('1') && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_email(s: &str) -> bool {
    s.len() <= 254 && s.parse::<lettre::Address>().is_ok()
}

/// Checks a channel's input; the error names the field.
fn check(input: &CreateWebhookInput) -> Result<(), ApiError> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::validation("name", "名称不能为空，且不超过100字"));
    }
    if input.url.len() > 2000 {
        return Err(ApiError::validation("url", "地址过长（不超过2000字符）"));
    }
    let url = reqwest::Url::parse(&input.url)
        .map_err(|_| ApiError::validation("url", "地址格式不正确"))?;
    let schemes: &[&str] = match input.channel {
        ChannelKind::Email => &["smtp", "smtps"],
        _ => &["http", "https"],
    };
    if !schemes.contains(&url.scheme()) || url.host_str().is_none() {
        return Err(ApiError::validation(
            "url",
            "网络推送地址须以 http:// 或 https:// 开头；邮件通道须为 smtp:// 或 smtps:// 服务器地址",
        ));
    }
    if input.secret.as_ref().is_some_and(|s| s.len() > 200) {
        return Err(ApiError::validation("secret", "密钥过长（不超过200字符）"));
    }
    if input.kinds.len() > 50 {
        return Err(ApiError::validation("kinds", "通知类型过多"));
    }
    if let Some(n) = input.max_concurrency {
        if !(1..=16).contains(&n) {
            return Err(ApiError::validation(
                "maxConcurrency",
                "并发数须在1到16之间",
            ));
        }
    }
    if input.channel == ChannelKind::Email && !input.sender.as_deref().is_some_and(is_email) {
        return Err(ApiError::validation(
            "sender",
            "邮件通道须填写有效的发件人邮箱",
        ));
    }
    Ok(())
}

/// A fresh webhook secret: 32 random bytes.
fn new_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(internal)?;
    Ok(format!("whsec_{}", hex::encode(bytes)))
}

impl NotificationsService {
    async fn announce(
        &self,
        txn: &DatabaseTransaction,
        actor: &Actor,
        path: &str,
        aggregate: &str,
        event: NotificationsEvent,
    ) -> Result<(), ApiError> {
        let now = self.clock.now();
        let envelope = Envelope {
            meta: duban_outbox::command_meta(
                now,
                &self.tenant,
                path,
                &actor.person_id,
                aggregate,
                1,
            ),
            event,
        };
        duban_outbox::enqueue_all(txn, topics::NOTIFICATIONS, &[envelope])
            .await
            .map_err(internal)
    }

    async fn visible_channel(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<push_channel::Model, ApiError> {
        let c = push_channel::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|c| c.deleted_at.is_none() && actor.can_see(&c.scope_path))
            .ok_or_else(|| ApiError::not_found("推送通道", id))?;
        admin_of(actor, &c.scope_path)?;
        Ok(c)
    }

    pub(crate) async fn list_channels(
        &self,
        actor: &Actor,
    ) -> Result<Vec<WebhookSnapshot>, ApiError> {
        admin_of(actor, &actor.scope)?;
        let rows = push_channel::Entity::find()
            .filter(push_channel::Column::DeletedAt.is_null())
            .order_by_asc(push_channel::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows
            .iter()
            .filter(|c| actor.can_see(&c.scope_path))
            .map(snapshot)
            .collect())
    }

    pub(crate) async fn add_channel(
        &self,
        actor: &Actor,
        input: CreateWebhookInput,
    ) -> Result<CreatedWebhook, ApiError> {
        admin_of(actor, &input.scope_path)?;
        check(&input)?;
        let txn = self.db.begin().await.map_err(internal)?;
        let live = push_channel::Entity::find()
            .filter(push_channel::Column::DeletedAt.is_null())
            .count(&txn)
            .await
            .map_err(internal)?;
        if live >= MAX_CHANNELS {
            return Err(ApiError::validation(
                "name",
                format!("推送通道已达上限（{MAX_CHANNELS}个）"),
            ));
        }
        let generated = match (input.channel, &input.secret) {
            (ChannelKind::Webhook, None) => Some(new_secret()?),
            _ => None,
        };
        let now = self.clock.now();
        let mut kinds = input.kinds.clone();
        kinds.sort_by_key(|k| *k as u8);
        kinds.dedup();
        let row = push_channel::Model {
            id: duban_outbox::new_event_id(now).to_string(),
            name: input.name.trim().to_string(),
            channel: wire(input.channel),
            url: input.url.clone(),
            secret: generated.clone().or(input.secret.clone()),
            kinds: serde_json::to_string(&kinds).map_err(internal)?,
            scope_path: input.scope_path.clone(),
            max_concurrency: input.max_concurrency.unwrap_or(4),
            sender: input.sender.clone(),
            created_by: actor.person_id.clone(),
            created_at: now,
            deleted_at: None,
        };
        let m = row
            .into_active_model()
            .insert(&txn)
            .await
            .map_err(internal)?;
        let webhook = snapshot(&m);
        let event = NotificationsEvent::WebhookCreated {
            webhook: webhook.clone(),
        };
        self.announce(&txn, actor, &m.scope_path, &m.id, event)
            .await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        Ok(CreatedWebhook {
            webhook,
            secret: generated,
        })
    }

    pub(crate) async fn remove_channel(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<WebhookSnapshot, ApiError> {
        let c = self.visible_channel(actor, id).await?;
        let now = self.clock.now();
        let txn = self.db.begin().await.map_err(internal)?;
        let gone = push_channel::Entity::update_many()
            .col_expr(push_channel::Column::DeletedAt, Expr::value(Some(now)))
            .filter(push_channel::Column::Id.eq(id))
            .filter(push_channel::Column::DeletedAt.is_null())
            .exec(&txn)
            .await
            .map_err(internal)?;
        if gone.rows_affected == 0 {
            return Err(ApiError::not_found("推送通道", id));
        }
        delivery::Entity::update_many()
            .col_expr(delivery::Column::Status, Expr::value("DEAD"))
            .col_expr(delivery::Column::LastError, Expr::value(Some("通道已删除")))
            .filter(delivery::Column::ChannelId.eq(id))
            .filter(delivery::Column::Status.eq("PENDING"))
            .exec(&txn)
            .await
            .map_err(internal)?;
        let webhook = snapshot(&c);
        let event = NotificationsEvent::WebhookDeleted {
            webhook: webhook.clone(),
            deleted_by: actor.person_id.clone(),
        };
        self.announce(&txn, actor, &c.scope_path, &c.id, event)
            .await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        Ok(webhook)
    }

    pub(crate) async fn channel_deliveries(
        &self,
        actor: &Actor,
        id: &str,
        status: Option<DeliveryStatus>,
        limit: usize,
    ) -> Result<Vec<DeliveryView>, ApiError> {
        let c = self.visible_channel(actor, id).await?;
        let mut q = delivery::Entity::find().filter(delivery::Column::ChannelId.eq(c.id));
        if let Some(s) = status {
            q = q.filter(delivery::Column::Status.eq(status_str(s)));
        }
        let rows = q
            .order_by_desc(delivery::Column::Id)
            .limit(limit.clamp(1, 200) as u64)
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(delivery_view).collect())
    }

    pub(crate) async fn replay(&self, actor: &Actor, id: &str) -> Result<DeliveryView, ApiError> {
        let d = delivery::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?
            .ok_or_else(|| ApiError::not_found("投递记录", id))?;
        let c = self
            .visible_channel(actor, &d.channel_id)
            .await
            .map_err(|_| ApiError::not_found("投递记录", id))?;
        if d.status == "PENDING" {
            return Err(ApiError::validation("id", "该投递尚在进行中，无需重放"));
        }
        let now = self.clock.now();
        let txn = self.db.begin().await.map_err(internal)?;
        let moved = delivery::Entity::update_many()
            .col_expr(delivery::Column::Status, Expr::value("PENDING"))
            .col_expr(delivery::Column::Attempts, Expr::value(0))
            .col_expr(delivery::Column::NextAttemptAt, Expr::value(now))
            .col_expr(delivery::Column::Held, Expr::value(Option::<String>::None))
            .filter(delivery::Column::Id.eq(id))
            .filter(delivery::Column::Status.eq(d.status.clone()))
            .exec(&txn)
            .await
            .map_err(internal)?;
        if moved.rows_affected == 0 {
            return Err(ApiError::validation("id", "该投递尚在进行中，无需重放"));
        }
        let event = NotificationsEvent::DeliveryReplayed {
            delivery_id: d.id.clone(),
            webhook_id: c.id.clone(),
            replayed_by: actor.person_id.clone(),
        };
        self.announce(&txn, actor, &c.scope_path, &d.id, event)
            .await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        self.push_wake.notify_one();
        let d = delivery::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?
            .ok_or_else(|| ApiError::not_found("投递记录", id))?;
        Ok(delivery_view(d))
    }

    pub(crate) async fn set_contact(
        &self,
        actor: &Actor,
        input: SetPushContactInput,
    ) -> Result<PushContactView, ApiError> {
        let person = directory_person::Entity::find_by_id(input.person_id.clone())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|p| p.person_id == actor.person_id || actor.can_see(&p.unit_path))
            .ok_or_else(|| ApiError::not_found("人员", &input.person_id))?;
        if person.person_id != actor.person_id {
            admin_of(actor, &person.unit_path)?;
        }
        let clean = |s: &Option<String>| {
            s.as_ref()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let (mobile, email) = (clean(&input.mobile), clean(&input.email));
        if mobile.as_deref().is_some_and(|m| !is_mobile(m)) {
            return Err(ApiError::validation("mobile", "手机号须为11位数字"));
        }
        if email.as_deref().is_some_and(|e| !is_email(e)) {
            return Err(ApiError::validation("email", "邮箱地址格式不正确"));
        }
        let txn = self.db.begin().await.map_err(internal)?;
        let row = push_contact::Model {
            person_id: person.person_id.clone(),
            mobile: mobile.clone(),
            email: email.clone(),
        };
        duban_outbox::db::upsert(
            &txn,
            [row.into_active_model()],
            [push_contact::Column::PersonId],
            [push_contact::Column::Mobile, push_contact::Column::Email],
        )
        .await
        .map_err(internal)?;
        let event = NotificationsEvent::PushContactChanged {
            person_id: person.person_id.clone(),
            has_mobile: mobile.is_some(),
            has_email: email.is_some(),
            changed_by: actor.person_id.clone(),
        };
        self.announce(&txn, actor, &person.unit_path, &person.person_id, event)
            .await?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        Ok(PushContactView {
            person_id: person.person_id,
            mobile,
            email,
        })
    }
}
