//! A real CUPS prints to a share: a private `cupsd` (its own configuration directory and port, as root in
//! CI) gets an `everywhere` queue pointing at the share with a print password in the URI; `lp` prints, the
//! job appears in Graph under the user; `cancel` in CUPS cancels the Graph job; a Graph cancel ends the CUPS
//! job as canceled.

use super::support::{Env, ipptool, sample_pdf, until};
use std::process::{Child, Command};

struct Cupsd {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Cupsd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Cupsd {
    fn start() -> Cupsd {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for sub in ["spool", "cache", "state", "tmp", "ppd"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        // cupsd runs its filters and backends as lp: they must reach the spool and temporary files.
        let _ = Command::new("chmod").args(["-R", "a+rwx"]).arg(d).status();
        let port = free_port();
        std::fs::write(
            d.join("cupsd.conf"),
            format!(
                "Listen 127.0.0.1:{port}\nWebInterface No\nBrowsing No\nLogLevel debug\nDefaultAuthType None\n\
                 <Location />\n  Order allow,deny\n  Allow all\n</Location>\n\
                 <Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
            ),
        )
        .unwrap();
        let p = |s: &str| d.join(s).display().to_string();
        std::fs::write(
            d.join("cups-files.conf"),
            format!(
                "ServerRoot {root}\nRequestRoot {spool}\nCacheDir {cache}\nStateDir {state}\nTempDir {tmp}\n\
                 ErrorLog {root}/error_log\nAccessLog {root}/access_log\nPageLog {root}/page_log\n\
                 Sandboxing Relaxed\n",
                root = d.display(),
                spool = p("spool"),
                cache = p("cache"),
                state = p("state"),
                tmp = p("tmp"),
            ),
        )
        .unwrap();
        let child = Command::new("cupsd")
            .args(["-f", "-c"])
            .arg(d.join("cupsd.conf"))
            .arg("-s")
            .arg(d.join("cups-files.conf"))
            .spawn()
            .expect("cupsd is required (Debian cups; ./scripts/test.sh installs it)");
        let cupsd = Cupsd {
            child,
            port,
            _dir: dir,
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return cupsd;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("cupsd did not start: {}", cupsd.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("error_log")).unwrap_or_default()
    }

    fn run(&self, cmd: &str, args: &[&str]) -> String {
        let out = Command::new(cmd)
            .args(args)
            .env("CUPS_SERVER", format!("127.0.0.1:{}", self.port))
            .output()
            .unwrap_or_else(|e| panic!("{cmd} is required (Debian cups-client): {e}"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "{cmd} {args:?} failed: {text}\ncupsd log:\n{}",
            self.tail()
        );
        text
    }

    fn tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(60)..].join("\n")
    }

    /// `lpadmin -m everywhere` for `uri`, then waits until cupsd has built the queue's PPD. lpadmin returns as
    /// soon as cupsd has added the queue; cupsd then asks the printer for its attributes and writes the PPD in a
    /// background thread. Until then the queue is a raw queue ("Local Raw Printer") that claims to take every
    /// format, and a job meeting it is aborted inside cupsd ("Unable to convert file 0 to printable format")
    /// before anything reaches Platen. The PPD's make-and-model replacing "Local Raw Printer" says it is done.
    fn add_everywhere_queue(&self, uri: &str) {
        self.run("lpadmin", &["-p", "platen", "-E", "-v", uri, "-m", "everywhere"]);
        let queue = format!("ipp://127.0.0.1:{}/printers/platen", self.port);
        let mut last = String::new();
        for _ in 0..300 {
            let values = self.query(
                "queue-ready",
                &queue,
                "Get-Printer-Attributes",
                "printer-uri",
                &["printer-make-and-model", "printer-is-accepting-jobs"],
            );
            let model = values[0].clone();
            if model.as_deref().is_some_and(|m| m != "Local Raw Printer")
                && values[1].as_deref() == Some("true")
            {
                return;
            }
            last = format!("{model:?}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!(
            "cupsd never built the queue's PPD (make-and-model {last}): {}",
            self.tail()
        );
    }

    /// `operation` on `uri` (passed as `uri_attr`) with ipptool; the values of `names` as ipptool prints them
    /// (`name (type) = value`), in order, `None` where absent.
    fn query(
        &self,
        label: &str,
        uri: &str,
        operation: &str,
        uri_attr: &str,
        names: &[&str],
    ) -> Vec<Option<String>> {
        let test = self._dir.path().join(format!("{label}.test"));
        let display: String = names.iter().map(|n| format!(" DISPLAY {n}")).collect();
        std::fs::write(
            &test,
            format!(
                "{{ OPERATION {operation} GROUP operation-attributes-tag ATTR charset attributes-charset utf-8 \
                 ATTR naturalLanguage attributes-natural-language en ATTR uri {uri_attr} $uri \
                 ATTR keyword requested-attributes {} STATUS successful-ok{display} }}",
                names.join(",")
            ),
        )
        .unwrap();
        let (_, out) = ipptool(&["-tv", uri, &test.display().to_string()]);
        names
            .iter()
            .map(|name| {
                out.lines()
                    .find(|l| l.trim_start().starts_with(&format!("{name} (")))
                    .and_then(|l| l.split_once('='))
                    .map(|(_, v)| v.trim().to_string())
            })
            .collect()
    }

    /// The local job's `job-state` as cupsd reports it.
    fn job_state(&self, job: &str) -> Option<i32> {
        let id = job.rsplit('-').next()?;
        let uri = format!("ipp://127.0.0.1:{}/jobs/{id}", self.port);
        let word = self
            .query("job-state", &uri, "Get-Job-Attributes", "job-uri", &["job-state"])
            .pop()??;
        Some(match word.as_str() {
            "pending" => 3,
            "pending-held" => 4,
            "processing" => 5,
            "processing-stopped" => 6,
            "canceled" => 7,
            "aborted" => 8,
            "completed" => 9,
            other => other.parse().ok()?,
        })
    }
}

fn submitted_job(out: &str) -> String {
    // "request id is platen-1 (1 file(s))"
    out.split_whitespace()
        .find(|w| w.starts_with("platen-"))
        .expect("lp prints the request id")
        .to_string()
}

async fn graph_job_of(env: &Env, cups: &Cupsd, upn: &str, known: &[String]) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let found = env.graph_jobs().await.into_iter().find(|j| {
            j["createdBy"]["userPrincipalName"] == upn
                && !known.contains(&j["id"].as_str().unwrap_or_default().to_string())
        });
        if let Some(job) = found {
            return job;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the CUPS job did not reach Graph; cupsd log:\n{}",
            cups.tail()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cups_prints_to_a_share_and_cancels_both_ways() {
    let env = Env::new(None, true).await;
    let alice = env.user("alice", &[]);
    let (_d, pdf_path, _) = sample_pdf();
    let cups = tokio::task::spawn_blocking(Cupsd::start).await.unwrap();
    let uri = env.uri(Some(&alice));
    cups.add_everywhere_queue(&uri);
    let pdf = pdf_path.display().to_string();

    // Print, then cancel in CUPS: the backend cancels the Graph job.
    let first = submitted_job(&cups.run("lp", &["-d", "platen", "-t", "first", &pdf]));
    let job = graph_job_of(&env, &cups, &alice.upn, &[]).await;
    let first_id = job["id"].as_str().unwrap().to_string();
    assert_eq!(job["createdBy"]["id"], alice.id.as_str());
    until(30, "the Graph job has its document and is started", async || {
        env.graph_job(&first_id).await["status"]["state"] == "pending"
    })
    .await;
    let doc = &env.graph_job(&first_id).await["documents"][0];
    assert!(doc["size"].as_i64().unwrap_or(0) > 0, "{doc}");
    cups.run("cancel", &[&first]);
    until(60, "the CUPS cancel reaches Graph", async || {
        env.graph_job(&first_id).await["status"]["state"] == "canceled"
    })
    .await;

    // Print again, cancel in Graph: CUPS ends its job as canceled.
    let second = submitted_job(&cups.run("lp", &["-d", "platen", "-t", "second", &pdf]));
    let job = graph_job_of(&env, &cups, &alice.upn, &[first_id]).await;
    let second_id = job["id"].as_str().unwrap().to_string();
    until(30, "the second Graph job is started", async || {
        env.graph_job(&second_id).await["status"]["state"] == "pending"
    })
    .await;
    env.graph_cancel(&second_id, &env.admin).await.expect(204);
    let cups_ref = &cups;
    until(90, "CUPS reports its job canceled", async || {
        let second = second.clone();
        tokio::task::block_in_place(|| cups_ref.job_state(&second)) == Some(7)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_printed_from_cups_arrives_at_the_device_behind_the_share() {
    let env = Env::with_device(true).await;
    let bob = env.user("bob", &[]);
    let (_d, pdf_path, _) = sample_pdf();
    let cups = tokio::task::spawn_blocking(Cupsd::start).await.unwrap();
    cups.add_everywhere_queue(&env.uri(Some(&bob)));
    let local = submitted_job(&cups.run("lp", &["-d", "platen", &pdf_path.display().to_string()]));
    let job = graph_job_of(&env, &cups, &bob.upn, &[]).await;
    let id = job["id"].as_str().unwrap().to_string();
    until(
        60,
        "the device printed the job and Graph shows it completed",
        async || env.graph_job(&id).await["status"]["state"] == "completed",
    )
    .await;
    let device = &env.device.as_ref().unwrap().printer;
    let spooled = device.spooled();
    assert_eq!(spooled.len(), 1, "one document reached the device: {spooled:?}");
    assert!(
        spooled[0].1.starts_with(b"%PDF"),
        "the device got the PDF CUPS sent"
    );
    let cups_ref = &cups;
    until(60, "CUPS reports its job completed", async || {
        let local = local.clone();
        tokio::task::block_in_place(|| cups_ref.job_state(&local)) == Some(9)
    })
    .await;
}
