//! The INFRA Infrastructure Printer exercised by an independent client: CUPS' `ipptool` runs the test files in
//! `tests/ipp/` against a real `platen serve`, authenticated with a device token obtained the RFC 7523 way.
//! `ipptool` comes from Debian's cups-ipp-utils, which the test command installs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

struct Server {
    base: String,
    data: tempfile::TempDir,
    // Dropped in this order: the server stops before its database goes.
    _proc: platen_testkit::Proc,
    _database: Option<platen_testkit::TestDatabase>,
}

async fn start() -> Server {
    let data = tempfile::tempdir().unwrap();
    // The backend switch: PLATEN_TEST_BACKEND=postgres runs the server on a fresh PostgreSQL database.
    let database = platen_testkit::TestDatabase::if_selected();
    let mut serve = platen_testkit::Serve::new(env!("CARGO_BIN_EXE_platen"), data.path());
    if let Some(db) = &database {
        serve = serve.env("PLATEN_DATABASE_URL", &db.url);
    }
    let served = tokio::task::spawn_blocking(move || serve.start()).await.unwrap();
    Server {
        base: served.base,
        data,
        _proc: served.proc,
        _database: database,
    }
}

fn token(data: &Path, args: &[&str]) -> String {
    platen_testkit::graph::mint(env!("CARGO_BIN_EXE_platen"), data, &[&["token"], args].concat())
}

fn admin(s: &Server) -> String {
    token(
        s.data.path(),
        &[
            "user",
            "--tenant",
            "t-infra",
            "--user",
            "00000000-0000-0000-0000-0000000000ad",
            "--admin",
            "--scopes",
            "Printer.FullControl.All PrinterShare.ReadWrite.All PrintJob.ReadWrite.All",
        ],
    )
}

/// Registers a printer with a fresh key; returns (printer id, private key PEM).
async fn register(s: &Server, http: &reqwest::Client, admin: &str) -> (String, String) {
    let (csr, key) = platen_pki::generate_csr_pem("infra-device");
    let body = json!({"displayName": "INFRA device", "manufacturer": "Contoso", "model": "LW", "physicalDeviceId": uuid::Uuid::new_v4().to_string(),
        "certificateSigningRequest": {"content": csr, "transportKey": "unused"}});
    let r = http
        .post(format!("{}/v1.0/print/printers/create", s.base))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let op = r.headers()["operation-location"].to_str().unwrap().to_string();
    let op: Value = http
        .get(op)
        .bearer_auth(admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (op["printer"]["id"].as_str().unwrap().to_string(), key)
}

async fn device_token(s: &Server, http: &reqwest::Client, printer: &str, key_pem: &str) -> reqwest::Response {
    let now = chrono::Utc::now().timestamp();
    let aud = format!("{}/device/token", s.base);
    let claims = json!({"iss": printer, "sub": printer, "aud": aud, "iat": now, "exp": now + 300, "jti": uuid::Uuid::new_v4().to_string()});
    let key = jsonwebtoken::EncodingKey::from_ec_pem(key_pem.as_bytes()).unwrap();
    let assertion = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256),
        &claims,
        &key,
    )
    .unwrap();
    http.post(&aud)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={assertion}"
        ))
        .send()
        .await
        .unwrap()
}

/// Creates, uploads and starts a job on the printer (admin test path); returns its id.
async fn started_job(s: &Server, http: &reqwest::Client, admin: &str, printer: &str) -> String {
    let jobs = format!("{}/v1.0/print/printers/{printer}/jobs", s.base);
    let job: Value = http
        .post(&jobs)
        .bearer_auth(admin)
        .json(&json!({"configuration": {"copies": 2, "duplexMode": "flipOnLongEdge"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (id, doc) = (
        job["id"].as_str().unwrap().to_string(),
        job["documents"][0]["id"].as_str().unwrap().to_string(),
    );
    let pdf = b"%PDF-1.4\n%%EOF\n";
    let session: Value = http
        .post(format!("{jobs}/{id}/documents/{doc}/createUploadSession"))
        .bearer_auth(admin)
        .json(&json!({"properties": {"documentName": "a.pdf", "contentType": "application/pdf", "size": pdf.len()}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let put = http
        .put(session["uploadUrl"].as_str().unwrap())
        .header(
            "Content-Range",
            format!("bytes 0-{}/{}", pdf.len() - 1, pdf.len()),
        )
        .body(pdf.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 201);
    assert_eq!(
        http.post(format!("{jobs}/{id}/start"))
            .bearer_auth(admin)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    id
}

fn ipptool() -> PathBuf {
    let found = Command::new("sh")
        .args(["-c", "command -v ipptool"])
        .output()
        .unwrap();
    assert!(
        found.status.success(),
        "ipptool is missing: install Debian's cups-ipp-utils (./scripts/test.sh does)"
    );
    PathBuf::from(String::from_utf8(found.stdout).unwrap().trim())
}

#[tokio::test]
async fn ipptool_drives_the_infra_operations() {
    let tool = ipptool();
    let s = start().await;
    let http = reqwest::Client::new();
    let admin = admin(&s);
    let (printer, key) = register(&s, &http, &admin).await;
    let tok: Value = device_token(&s, &http, &printer, &key)
        .await
        .json()
        .await
        .unwrap();
    let device_token = tok["access_token"].as_str().unwrap();
    let job = started_job(&s, &http, &admin, &printer).await;
    let port = s.base.rsplit(':').next().unwrap();
    let uri = format!("ipp://device:{device_token}@127.0.0.1:{port}/ipp/print/{printer}");
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/ipp");
    let out = Command::new(tool)
        .current_dir(&tests)
        .args([
            "-t",
            "-T",
            "60",
            "-d",
            &format!("job_id={job}"),
            "-d",
            "device_uuid=urn:uuid:11111111-2222-3333-4444-555555555555",
        ])
        .arg(&uri)
        .args(["printer.test", "jobs.test"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "ipptool failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The device's reports reached Graph.
    let j: Value = http
        .get(format!("{}/v1.0/print/printers/{printer}/jobs/{job}", s.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(j["status"]["state"], "completed");
    assert_eq!(j["status"]["isAcquiredByPrinter"], true);
    let p: Value = http
        .get(format!(
            "{}/v1.0/print/printers/{printer}?$select=id,model,capabilities",
            s.base
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(p["model"], "Contoso LaserWriter 9000");
    assert_eq!(
        p["capabilities"]["duplexModes"],
        json!(["oneSided", "flipOnLongEdge"])
    );
}

#[tokio::test]
async fn device_authentication_is_required_and_scoped() {
    let s = start().await;
    let http = reqwest::Client::new();
    let admin = admin(&s);
    let (printer, key) = register(&s, &http, &admin).await;
    let (other, _) = register(&s, &http, &admin).await;
    // An assertion signed with another printer's key, or naming another printer, is refused.
    let (_, stranger_key) = platen_pki::generate_csr_pem("stranger");
    assert_eq!(
        device_token(&s, &http, &printer, &stranger_key).await.status(),
        400
    );
    assert_eq!(device_token(&s, &http, &other, &key).await.status(), 400);
    let tok: Value = device_token(&s, &http, &printer, &key)
        .await
        .json()
        .await
        .unwrap();
    let t = tok["access_token"].as_str().unwrap().to_string();
    let ipp_get_printer = |target: &str| {
        let body = get_printer_attributes(1, &[]);
        http.post(format!("{}/ipp/print/{target}", s.base))
            .header("content-type", "application/ipp")
            .body(body)
    };
    assert_eq!(
        ipp_get_printer(&printer).send().await.unwrap().status(),
        401,
        "no token"
    );
    assert_eq!(
        ipp_get_printer(&printer)
            .bearer_auth("garbage")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        ipp_get_printer(&other)
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .status(),
        401,
        "another printer"
    );
    let ok = ipp_get_printer(&printer).bearer_auth(&t).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(&ok.bytes().await.unwrap()[2..4], &[0, 0], "successful-ok");
    // Truncated and nonsense IPP gets an IPP error or HTTP 400, and the server keeps serving.
    let truncated = http
        .post(format!("{}/ipp/print/{printer}", s.base))
        .bearer_auth(&t)
        .body(vec![2, 0, 0, 0x0b, 0, 0, 0, 7, 0x01, 0x47])
        .send()
        .await
        .unwrap();
    assert_eq!(truncated.status(), 200);
    assert_eq!(
        &truncated.bytes().await.unwrap()[2..8],
        &[0x04, 0x00, 0, 0, 0, 7],
        "client-error-bad-request, same request id"
    );
    let tiny = http
        .post(format!("{}/ipp/print/{printer}", s.base))
        .bearer_auth(&t)
        .body(vec![1, 2, 3])
        .send()
        .await
        .unwrap();
    assert_eq!(tiny.status(), 400);
    let v9 = http
        .post(format!("{}/ipp/print/{printer}", s.base))
        .bearer_auth(&t)
        .body(vec![9, 0, 0, 0x0b, 0, 0, 0, 1, 0x03])
        .send()
        .await
        .unwrap();
    assert_eq!(
        &v9.bytes().await.unwrap()[2..4],
        &[0x05, 0x03],
        "server-error-version-not-supported"
    );
    // Deleting the printer revokes its devices.
    let del = http
        .delete(format!("{}/v1.0/print/printers/{printer}", s.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    assert_eq!(
        ipp_get_printer(&printer)
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

/// A Get-Printer-Attributes request with `extra` appended to its operation group.
fn get_printer_attributes(request_id: i32, extra: &[u8]) -> Vec<u8> {
    let mut body = vec![2, 0, 0, 0x0b];
    body.extend(request_id.to_be_bytes());
    body.push(0x01);
    for (tag, name, value) in [
        (0x47u8, "attributes-charset", "utf-8"),
        (0x48, "attributes-natural-language", "en"),
    ] {
        body.push(tag);
        body.extend((name.len() as u16).to_be_bytes());
        body.extend(name.as_bytes());
        body.extend((value.len() as u16).to_be_bytes());
        body.extend(value.as_bytes());
    }
    body.extend_from_slice(extra);
    body.push(0x03);
    body
}

/// Issue 9 item 9: malformed IPP reaches the endpoint from anyone who holds a device token. The
/// textWithLanguage whose inner length overruns its value (it used to panic the parser and drop the
/// connection) gets client-error-bad-request with its request id; then every truncation and every single-bit
/// flip of a valid request gets an HTTP answer (an IPP message, or 400 when not even the header is there),
/// never a dropped connection or a 500; and the endpoint still answers a valid request.
#[tokio::test]
async fn malformed_ipp_gets_an_ipp_error_and_the_endpoint_keeps_serving() {
    let s = start().await;
    let http = reqwest::Client::new();
    let admin = admin(&s);
    let (printer, key) = register(&s, &http, &admin).await;
    let tok: Value = device_token(&s, &http, &printer, &key)
        .await
        .json()
        .await
        .unwrap();
    let t = tok["access_token"].as_str().unwrap().to_string();
    let url = format!("{}/ipp/print/{printer}", s.base);
    let send = |body: Vec<u8>| {
        http.post(&url)
            .bearer_auth(&t)
            .header("content-type", "application/ipp")
            .body(body)
            .send()
    };

    let mut overrun = vec![0x35];
    overrun.extend(("requesting-user-name".len() as u16).to_be_bytes());
    overrun.extend(b"requesting-user-name");
    overrun.extend(7u16.to_be_bytes());
    overrun.extend([0x00, 0x02, b'e', b'n', 0x00, 0xff, b'x']);
    let r = send(get_printer_attributes(42, &overrun)).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        &r.bytes().await.unwrap()[2..8],
        &[0x04, 0x00, 0, 0, 0, 42],
        "client-error-bad-request, same request id"
    );

    let valid = get_printer_attributes(7, &[]);
    let mut cases = Vec::new();
    for i in 0..valid.len() {
        cases.push(valid[..i].to_vec());
        for bit in 0..8 {
            let mut flipped = valid.clone();
            flipped[i] ^= 1 << bit;
            cases.push(flipped);
        }
    }
    let count = cases.len();
    for body in cases {
        let r = send(body.clone())
            .await
            .unwrap_or_else(|e| panic!("no answer to {body:02x?}: {e}"));
        let status = r.status();
        let answer = r.bytes().await.unwrap();
        assert!(
            status == 200 && answer.len() >= 8 || status == 400 && body.len() < 8,
            "{status} for {body:02x?}"
        );
    }
    eprintln!("{count} mutated requests answered");

    let ok = send(valid).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(&ok.bytes().await.unwrap()[2..4], &[0, 0], "successful-ok");
}
