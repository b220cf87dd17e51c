//! Real receivers on loopback for pushes: an HTTP endpoint (a county platform, a 钉钉 or
//! 企业微信 robot) that records every request and answers as scripted, and an SMTP server
//! that records every message. Both speak the protocol over TCP; nothing is mocked.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One request as received.
#[derive(Clone, Debug)]
pub struct Received {
    /// Path and query, e.g. `/robot/send?access_token=t&timestamp=…&sign=…`.
    pub target: String,
    /// Headers, names lower-cased.
    pub headers: HashMap<String, String>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Received {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// A query parameter of the target, undecoded.
    pub fn query(&self, name: &str) -> Option<String> {
        let (_, q) = self.target.split_once('?')?;
        q.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }
}

#[derive(Default)]
struct HttpState {
    received: Vec<Received>,
    script: VecDeque<(u16, String)>,
    in_flight: usize,
    max_in_flight: usize,
    default: (u16, String),
}

/// An HTTP endpoint on loopback.
#[derive(Clone)]
pub struct HttpReceiver {
    /// Its base URL, `http://127.0.0.1:port`.
    pub url: String,
    state: Arc<Mutex<HttpState>>,
    /// How long each answer takes.
    delay: Duration,
}

impl HttpReceiver {
    /// Starts one that answers `default` (status, body) after `delay`, unless scripted.
    pub async fn start(default: (u16, &str), delay: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("loopback");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let state = HttpState {
            default: (default.0, default.1.to_string()),
            ..HttpState::default()
        };
        let me = Self {
            url,
            state: Arc::new(Mutex::new(state)),
            delay,
        };
        let server = me.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let s = server.clone();
                tokio::spawn(async move {
                    let _ = s.serve(socket).await;
                });
            }
        });
        me
    }

    /// Answers the next requests with these (status, body), in order.
    pub fn script(&self, answers: &[(u16, &str)]) {
        let mut st = self.state.lock().expect("state");
        st.script
            .extend(answers.iter().map(|(c, b)| (*c, b.to_string())));
    }

    /// Answers (status, body) from now on when nothing is scripted.
    pub fn answer(&self, status: u16, body: &str) {
        self.state.lock().expect("state").default = (status, body.to_string());
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().expect("state").received.clone()
    }

    /// The most requests it ever had in hand at once.
    pub fn max_in_flight(&self) -> usize {
        self.state.lock().expect("state").max_in_flight
    }

    async fn serve(&self, socket: tokio::net::TcpStream) -> std::io::Result<()> {
        let mut reader = BufReader::new(socket);
        let mut line = String::new();
        reader.read_line(&mut line).await?;
        let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            reader.read_line(&mut h).await?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; len];
        reader.read_exact(&mut body).await?;
        let (status, answer) = {
            let mut st = self.state.lock().expect("state");
            st.in_flight += 1;
            st.max_in_flight = st.max_in_flight.max(st.in_flight);
            st.received.push(Received {
                target,
                headers,
                body,
            });
            let fallback = st.default.clone();
            st.script.pop_front().unwrap_or(fallback)
        };
        tokio::time::sleep(self.delay).await;
        self.state.lock().expect("state").in_flight -= 1;
        let reply = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
            answer.len()
        );
        let mut socket = reader.into_inner();
        socket.write_all(reply.as_bytes()).await?;
        socket.shutdown().await
    }
}

/// One message as an SMTP server received it.
#[derive(Clone, Debug)]
pub struct Mail {
    /// `MAIL FROM` address.
    pub from: String,
    /// `RCPT TO` addresses.
    pub to: Vec<String>,
    /// The message (headers and body) as sent, dot-unstuffed.
    pub data: String,
}

/// An SMTP server on loopback (no TLS, no authentication), recording every message.
#[derive(Clone)]
pub struct SmtpReceiver {
    /// `smtp://127.0.0.1:port`.
    pub url: String,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpReceiver {
    /// Starts one.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("loopback");
        let url = format!("smtp://{}", listener.local_addr().expect("address"));
        let me = Self {
            url,
            mails: Arc::default(),
        };
        let mails = me.mails.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let mails = mails.clone();
                tokio::spawn(async move {
                    let _ = session(socket, mails).await;
                });
            }
        });
        me
    }

    /// Every message so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().expect("mails").clone()
    }
}

async fn session(
    socket: tokio::net::TcpStream,
    mails: Arc<Mutex<Vec<Mail>>>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut reader = BufReader::new(read);
    write.write_all(b"220 receiver.test ESMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let upper = line.trim_end().to_ascii_uppercase();
        let arg = |l: &str| {
            l.split_once(':')
                .map(|(_, a)| a.trim().trim_matches(|c| c == '<' || c == '>').to_string())
                .unwrap_or_default()
        };
        if upper.starts_with("EHLO") {
            write
                .write_all(b"250-receiver.test\r\n250 8BITMIME\r\n")
                .await?;
        } else if upper.starts_with("HELO")
            || upper.starts_with("RSET")
            || upper.starts_with("NOOP")
        {
            write.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("MAIL FROM") {
            from = arg(line.trim_end());
            to.clear();
            write.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO") {
            to.push(arg(line.trim_end()));
            write.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("DATA") {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if reader.read_line(&mut l).await? == 0 {
                    return Ok(());
                }
                if l == ".\r\n" || l == ".\n" {
                    break;
                }
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
            }
            mails.lock().expect("mails").push(Mail {
                from: from.clone(),
                to: to.clone(),
                data,
            });
            write.write_all(b"250 OK queued\r\n").await?;
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"502 Command not implemented\r\n").await?;
        }
    }
}
