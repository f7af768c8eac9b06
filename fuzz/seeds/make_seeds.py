#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (fuzz/corpus/<target>/) from the project's tests and from
hand-built valid messages, so that every target starts from inputs that reach deep into its code.

Run from anywhere: python3 fuzz/seeds/make_seeds.py. The output is committed; rerun after adding tests.
"""
import hashlib
import json
import pathlib
import re
import struct

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fuzz" / "corpus"


def write(target, seeds):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    for old in d.iterdir():
        old.unlink()
    for s in seeds:
        data = s.encode() if isinstance(s, str) else bytes(s)
        (d / hashlib.sha1(data).hexdigest()).write_bytes(data)
    print(f"{target}: {len(seeds)} seeds")


# --- OData query strings: every one the Rust tests send, plus the SDKs' shapes ---------------------------------
queries = set()
for path in list((ROOT / "crates").rglob("*.rs")) + list((ROOT / "tests").rglob("*.py")):
    text = path.read_text(errors="replace")
    for m in re.finditer(r'[?&"\']((?:\$(?:filter|orderby|top|select|count|expand|skip|skiptoken|search|format)=[^"\'\s]{0,300}))', text):
        q = m.group(1)
        if "{" in q:  # format strings of the tests
            continue
        queries.add(q)
queries |= {
    "$filter=displayName eq 'Printer 1' and isShared eq true&$orderby=displayName desc,id&$top=3",
    "$filter=startswith(displayName,'A') or contains(location/building,'B')&$count=true",
    "$filter=status/state in ('idle','processing')&$select=id,status",
    "$filter=createdDateTime ge 2026-01-01T00:00:00Z and not(isShared eq false)",
    "$filter=endswith(userPrincipalName,'@contoso.com')&$orderby=createdDateTime desc",
    "$filter=jobs/any(j:j/id eq '5')&$expand=jobs($select=id)",
    "%24filter=displayName%20eq%20%27x%27&%24top=10&%24skip=2",
    "$orderby=id&$skiptoken=eyJ2IjoxfQ",
}
write("odata_query", sorted(queries))
write("odata_sql", sorted(queries))

# --- skip tokens -------------------------------------------------------------------------------------------------
write("skiptoken", ["", "eyJ2IjoxfQ", "x" * 64, "AAAA====", "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x01hello"])

# --- IPP messages: requests of both endpoints ---------------------------------------------------------------------
TAGS = {"integer": 0x21, "boolean": 0x22, "enum": 0x23, "range": 0x33, "resolution": 0x32, "dateTime": 0x31,
        "textWithLanguage": 0x35, "nameWithLanguage": 0x36, "text": 0x41, "name": 0x42, "keyword": 0x44,
        "uri": 0x45, "charset": 0x47, "language": 0x48, "mime": 0x49, "begCollection": 0x34,
        "endCollection": 0x37, "memberAttrName": 0x4A, "noValue": 0x13, "octetString": 0x30}


def value(tag, name, raw):
    n = name.encode()
    return bytes([TAGS[tag]]) + struct.pack(">H", len(n)) + n + struct.pack(">H", len(raw)) + raw


def s(tag, name, text):
    return value(tag, name, text.encode())


def i(tag, name, n):
    return value(tag, name, struct.pack(">i", n))


def collection(name, members):
    out = value("begCollection", name, b"")
    for mname, (tag, raw) in members:
        out += value("memberAttrName", "", mname.encode())
        out += bytes([TAGS[tag]]) + b"\0\0" + struct.pack(">H", len(raw)) + raw
    return out + value("endCollection", "", b"")


def message(op, groups, data=b""):
    out = struct.pack(">HHi", 0x0200, op, 7)
    for tag, attrs in groups:
        out += bytes([tag]) + b"".join(attrs)
    return out + b"\x03" + data


OPERATION = [s("charset", "attributes-charset", "utf-8"), s("language", "attributes-natural-language", "en"),
             s("uri", "printer-uri", "ipp://localhost:8631/ipp/print/share")]
ipp = [
    message(0x0002, [(0x01, OPERATION + [s("name", "requesting-user-name", "alice"),
                                         s("mime", "document-format", "application/pdf")]),
                     (0x02, [i("integer", "copies", 2), s("keyword", "sides", "two-sided-long-edge"),
                             s("keyword", "print-color-mode", "monochrome"), i("enum", "print-quality", 5),
                             value("range", "page-ranges", struct.pack(">ii", 1, 3)),
                             i("enum", "finishings", 4), i("enum", "orientation-requested", 3),
                             value("resolution", "printer-resolution", struct.pack(">iib", 600, 600, 3)),
                             collection("media-col", [("media-size-name", ("keyword", b"iso_a4_210x297mm"))])])],
            b"%PDF-1.4\n%%EOF\n"),
    message(0x000B, [(0x01, OPERATION + [s("keyword", "requested-attributes", "all")])]),
    message(0x0005, [(0x01, OPERATION + [s("name", "job-name", "report")])]),
    message(0x000A, [(0x01, OPERATION + [s("keyword", "which-jobs", "completed"), i("integer", "limit", 10)])]),
    # INFRA: a device reporting its state and a job's counters.
    message(0x003D, [(0x01, OPERATION + [s("uri", "output-device-uuid", "urn:uuid:00000000-0000-0000-0000-000000000001")]),
                     (0x04, [i("enum", "printer-state", 3), s("keyword", "printer-state-reasons", "media-empty-warning"),
                             s("keyword", "sides-supported", "one-sided"), i("integer", "copies-default", 1),
                             value("range", "copies-supported", struct.pack(">ii", 1, 99)),
                             s("textWithLanguage", "printer-info", "") ,
                             value("textWithLanguage", "printer-make-and-model",
                                   struct.pack(">H", 2) + b"en" + struct.pack(">H", 4) + b"Acme")])]),
    message(0x003E, [(0x01, OPERATION + [i("integer", "job-id", 1)]),
                     (0x02, [i("integer", "job-impressions-completed", 3), i("enum", "output-device-job-state", 9),
                             collection("job-impressions-completed-col", [("monochrome", ("integer", struct.pack(">i", 3)))])])]),
    message(0x0039, [(0x01, OPERATION + [s("keyword", "which-jobs", "fetchable")])]),
    message(0x003F, [(0x01, OPERATION + [i("integer", "notify-subscription-ids", 1), i("integer", "notify-wait", 0)])]),
]
write("ipp_message", ipp)

# --- Content-Range and Range headers ------------------------------------------------------------------------------
write("upload_ranges", ["bytes 0-99/100", "bytes=0-4/10", "bytes 5-9/10", "bytes=0-", "bytes=-5", "bytes=2-3",
                        "bytes 18446744073709551614-18446744073709551614/18446744073709551615", "\x00\x10\x03\x07"])

# --- Graph bodies: selector byte (reader index, 0x80 for beta) + JSON ---------------------------------------------
bodies = [
    (0, {"copies": 2, "colorMode": "blackAndWhite", "duplexMode": "twoSidedLongEdge", "pageRanges": [{"start": 1, "end": 3}],
         "mediaSize": "A4", "orientation": "portrait", "margin": {"top": 0}, "finishings": ["staple"], "dpi": 600,
         "fitPdfToPage": True, "quality": "high", "scaling": "fit", "feedOrientation": "longEdgeFirst"}),
    (0x80, {"copies": 1, "pageRanges": [{"start": 1, "end": 2}], "collate": True, "pagesPerSheet": 2,
            "multipageLayout": "clockwiseStartingInTopLeft"}),
    (1, {"copies": 1, "mediaSize": "Letter"}),
    (2, {"colorModes": ["color", "blackAndWhite"], "copiesPerJob": {"start": 1, "end": 99}, "duplexModes": ["oneSided"],
         "mediaSizes": ["A4", "Letter"], "dpis": [300, 600], "isColorPrintingSupported": True, "contentTypes": ["application/pdf"],
         "pagesPerSheet": [1, 2, 4], "finishings": ["none"], "supportsFitPdfToPage": False}),
    (0x82, {"copiesPerJob": {"minimum": 1, "maximum": 5}, "topMargins": [0, 5]}),
    (3, {"copies": 1, "colorMode": "color", "duplexMode": "oneSided", "contentType": "application/pdf", "dpi": 600,
         "mediaSize": "A4", "orientation": "landscape", "fitPdfToPage": False}),
    (4, {"latitude": 1.5, "longitude": -2.25, "altitudeInMeters": 10, "building": "B1", "floor": "2", "roomName": "R",
         "subdivision": ["a"], "countryOrRegion": "US", "postalCode": "12345"}),
    (5, {"documentConversionEnabled": True, "printerDiscoverySettings": None}),
    (6, {"state": "idle", "details": ["paused"], "description": "ok"}),
    (7, {"state": "completed", "description": "done"}),
]
write("graph_bodies", [bytes([sel]) + json.dumps(b).encode() for sel, b in bodies])

# --- tokens: mode byte (0 raw, 1 claims to sign) ---------------------------------------------------------------
FAR = 4102444800  # 2100-01-01
claims = [
    {"iss": "https://platen.invalid/dev-issuer/v2.0", "aud": "https://graph.microsoft.com", "iat": 1700000000,
     "nbf": 1700000000, "exp": FAR, "ver": "2.0", "tid": "t1", "oid": "u1", "sub": "u1", "idtyp": "user",
     "scp": "PrintJob.ReadWrite Printer.Read.All", "upn": "alice@contoso.com", "name": "Alice", "wids": ["644ef478-e28f-4e28-b9dc-3fdde9aa0b1f"],
     "groups": ["g1"]},
    {"iss": "https://platen.invalid/dev-issuer/v2.0", "aud": "00000003-0000-0000-c000-000000000000", "exp": FAR,
     "tid": "t1", "oid": "app1", "azp": "client-1", "idtyp": "app", "roles": ["Printer.ReadWrite.All"]},
]
write("jwt", [b"\x00eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", b"\x00a.b.c"] + [b"\x01" + json.dumps(c).encode() for c in claims])
write("device_assertion", [b"\x00eyJhbGciOiJFUzI1NiJ9.e30.AAAA",
                           b"\x01" + json.dumps({"iss": "p1", "sub": "p1", "aud": "https://platen.invalid/device-token",
                                                 "exp": FAR, "iat": FAR - 60, "jti": "j1"}).encode(),
                           b"\x01" + json.dumps({"iss": "p1", "sub": "p1", "aud": "https://platen.invalid/device-token",
                                                 "exp": 1900000000}).encode()])
