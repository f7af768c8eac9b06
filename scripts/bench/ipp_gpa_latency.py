"""Get-Printer-Attributes latency (requested-attributes all + media-col-database) over one keep-alive
connection: prints p50 and p99 in milliseconds. Usage: ipp_gpa_latency.py HOST PORT PATH PRINTER-URI COUNT"""
import http.client
import struct
import sys
import time


def attr(tag, name, value):
    return bytes([tag]) + struct.pack(">H", len(name)) + name + struct.pack(">H", len(value)) + value


def request(printer_uri, request_id):
    body = struct.pack(">HHI", 0x0200, 0x000B, request_id) + b"\x01"
    body += attr(0x47, b"attributes-charset", b"utf-8")
    body += attr(0x48, b"attributes-natural-language", b"en")
    body += attr(0x45, b"printer-uri", printer_uri.encode())
    body += attr(0x44, b"requested-attributes", b"all") + attr(0x44, b"", b"media-col-database")
    return body + b"\x03"


def main():
    host, port, path, uri, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
    conn = http.client.HTTPConnection(host, port)
    times = []
    for i in range(count + 20):
        started = time.perf_counter()
        conn.request("POST", path, body=request(uri, i + 1), headers={"Content-Type": "application/ipp"})
        answer = conn.getresponse().read()
        elapsed = time.perf_counter() - started
        if answer[2:4] != b"\x00\x00":
            sys.exit(f"Get-Printer-Attributes failed: status {answer[2:4].hex()}")
        if i >= 20:  # the first requests warm caches and the connection
            times.append(elapsed * 1000)
    times.sort()
    print(f"p50={times[len(times) // 2]:.2f} p99={times[int(len(times) * 0.99)]:.2f} bytes={len(answer)}")


main()
