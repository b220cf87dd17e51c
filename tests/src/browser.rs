//! A real browser for the dashboard's tests: Debian's Chromium, headless, driven through
//! ChromeDriver with `fantoccini`. Fails loudly when either is missing (`tests/run.sh`
//! installs both).

use anyhow::Context as _;
use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A ChromeDriver process and one headless Chromium session on it.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Browser {
    /// Starts ChromeDriver and a headless Chromium `width`×`height`.
    pub async fn start(width: u32, height: u32) -> anyhow::Result<Browser> {
        let chromedriver =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        anyhow::ensure!(
            std::path::Path::new(&chromedriver).exists()
                && std::path::Path::new(&chromium).exists(),
            "the browser tests need Chromium and ChromeDriver ({chromium}, {chromedriver}); \
             ./tests/run.sh installs them from Debian's packages"
        );
        let port = free_port()?;
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {chromedriver}"))?;
        let profile = tempfile::tempdir()?;
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--lang=zh-CN",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..100 {
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Ok(Browser {
                        client,
                        driver,
                        _profile: profile,
                    })
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("ChromeDriver did not start a session: {last:?}")
    }

    /// Waits up to ten seconds for an element.
    pub async fn wait_for(&self, css: &str) -> anyhow::Result<fantoccini::elements::Element> {
        let found = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await;
        if found.is_err() {
            let _ = self.screenshot("failure").await;
        }
        found.with_context(|| format!("no {css} on the page (see screenshots/failure.png)"))
    }

    /// Waits up to ten seconds until `script` (a JavaScript expression) is truthy; returns
    /// its value.
    pub async fn wait_until(&self, script: &str) -> anyhow::Result<serde_json::Value> {
        for _ in 0..100 {
            let v = self
                .client
                .execute(&format!("return ({script});"), vec![])
                .await?;
            let truthy = !matches!(&v, serde_json::Value::Null | serde_json::Value::Bool(false))
                && v != serde_json::json!(0)
                && v != serde_json::json!("");
            if truthy {
                return Ok(v);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = self.screenshot("failure").await;
        anyhow::bail!("never true: {script} (see screenshots/failure.png)")
    }

    /// The text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> anyhow::Result<String> {
        Ok(self.wait_for(css).await?.text().await?)
    }

    /// Types into a field.
    pub async fn fill(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let e = self.wait_for(css).await?;
        e.clear().await?;
        e.send_keys(text).await?;
        Ok(())
    }

    /// Clicks an element.
    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        self.wait_for(css).await?.click().await?;
        Ok(())
    }

    /// Saves a screenshot as `<target>/screenshots/<name>.png`; returns its path.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<std::path::PathBuf> {
        let dir = std::env::var("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| {
                std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target")
            })
            .join("screenshots");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, self.client.screenshot().await?)?;
        Ok(path)
    }

    /// Ends the session and the driver.
    pub async fn close(mut self) -> anyhow::Result<()> {
        let closed = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        closed?;
        Ok(())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

async fn initial_password(app: &crate::TestApp, account: &str) -> anyhow::Result<String> {
    let mut found = app.assignments.initial_passwords(&[account]).await?;
    anyhow::ensure!(!found.is_empty(), "no initial password for {account}");
    Ok(found.remove(0).password)
}

/// Types `account` and `password` into the sign-in form with the keyboard only: the
/// account field has the focus, Tab moves on, Enter submits.
async fn type_credentials(
    b: &Browser,
    app: &crate::TestApp,
    account: &str,
    password: &str,
) -> anyhow::Result<()> {
    let (tab, enter) = (
        char::from(fantoccini::key::Key::Tab),
        char::from(fantoccini::key::Key::Enter),
    );
    b.client.goto(&format!("{}/login", app.url)).await?;
    b.wait_for("#account").await?;
    b.wait_until("document.activeElement?.id === 'account'")
        .await?;
    b.client
        .active_element()
        .await?
        .send_keys(&format!("{account}{tab}{password}{enter}"))
        .await
        .map_err(Into::into)
}

/// Signs in at /login with the initial password, changing it on the way, with the
/// keyboard only.
pub async fn sign_in(b: &Browser, app: &crate::TestApp, account: &str) -> anyhow::Result<()> {
    let initial = initial_password(app, account).await?;
    type_credentials(b, app, account, &initial).await?;
    b.wait_for("#new-password").await?;
    b.wait_until("document.activeElement?.id === 'new-password'")
        .await?;
    let (tab, enter) = (
        char::from(fantoccini::key::Key::Tab),
        char::from(fantoccini::key::Key::Enter),
    );
    b.client
        .active_element()
        .await?
        .send_keys(&format!("{NEW_PASSWORD}{tab}{NEW_PASSWORD}{enter}"))
        .await?;
    b.wait_until("document.getElementById('who').textContent.length > 0")
        .await?;
    Ok(())
}

/// The password `sign_in` sets.
const NEW_PASSWORD: &str = "Qingshi2026";

/// Signs in again an account whose password `sign_in` already changed.
pub async fn sign_in_again(b: &Browser, app: &crate::TestApp, account: &str) -> anyhow::Result<()> {
    type_credentials(b, app, account, NEW_PASSWORD).await?;
    b.wait_until("document.getElementById('who').textContent.length > 0")
        .await?;
    Ok(())
}
