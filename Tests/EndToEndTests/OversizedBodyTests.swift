import BaogongTestSupport
import Foundation
import Testing

/// A client that writes its whole body before reading the answer (as many HTTP libraries do) gets
/// its 413 at once: the hub reads and drops the rest of an oversized body, answers, and closes.
@Suite("End to end: oversized bodies", .serialized)
struct OversizedBodyTests {
    @Test func aSeventeenMebibyteBodyWithConnectionCloseGetsItsAnswer() throws {
        let one = try OneStore()
        try one.hub.start()
        defer { one.hub.stop() }
        let client = """
            socket, sys, time = __import__("socket"), __import__("sys"), __import__("time")
            port, token = int(sys.argv[1]), sys.argv[2]
            body = b"a" * (17 * 1024 * 1024)
            s = socket.create_connection(("127.0.0.1", port)); s.settimeout(20)
            head = ("POST /v1/sync HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nAuthorization: Bearer " + token
                    + "\\r\\nContent-Type: application/json\\r\\nContent-Length: " + str(len(body))
                    + "\\r\\nConnection: close\\r\\n\\r\\n").encode()
            start = time.time()
            s.sendall(head + body)
            answer = b""
            while True:
                chunk = s.recv(65536)
                if not chunk: break
                answer += chunk
            print(answer.split(b"\\r\\n")[0].decode(), round(time.time() - start, 1))
            """
        let result = try run("/usr/bin/python3", ["-c", client, String(one.hub.port), one.token], timeout: 60)
        #expect(result.status == 0, "the client was left waiting: \(result.stderr.suffix(300))")
        #expect(result.stdout.hasPrefix("HTTP/1.1 413"), "\(result.stdout)")
        let seconds = Double(result.stdout.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 99
        #expect(seconds < 10, "answered and closed in \(seconds) s")
    }
}
