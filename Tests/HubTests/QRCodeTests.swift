@testable import BaogongHub
import Foundation
import Testing

/// The QR encoder: the standard's fixed structure, capacity at level M, the SVG drawing, and a real decode
/// with zbar of what librsvg renders from that SVG.
@Suite("QR code")
struct QRCodeTests {
    /// A pairing-code-like text: a prefix, then base64url with '.', '-' and '_' (250 characters in all).
    static let longToken: String = {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let body = (0..<241).map { String(alphabet[($0 * 37 + 11) % alphabet.count]) }.joined()
        return "BGP1.eyJ" + String(body.prefix(120)) + "." + String(body.dropFirst(120))
    }()

    @Test func aShortTextIsVersionOneWith21ModulesASide() throws {
        let code = try QRCode(text: "Baogong")
        #expect(code.version == 1)
        #expect(code.size == 21)
    }

    @Test func theSizeGrowsByFourModulesPerVersion() throws {
        let code = try QRCode(text: Self.longToken)
        #expect(code.version > 1)
        #expect(code.size == code.version * 4 + 17)
    }

    @Test(arguments: ["Baogong", String(repeating: "湘L12345 ", count: 40)])
    func finderPatternsSitInThreeCornersWithLightSeparators(text: String) throws {
        let code = try QRCode(text: text)
        let last = code.size - 1
        for (left, top) in [(0, 0), (code.size - 7, 0), (0, code.size - 7)] {
            for dy in 0..<7 {
                for dx in 0..<7 {
                    // Dark outer ring, light ring, dark 3×3 centre.
                    let ring = max(abs(dx - 3), abs(dy - 3))
                    #expect(code.isDark(x: left + dx, y: top + dy) == (ring != 2), "finder at (\(left), \(top))")
                }
            }
            let separatorColumn = left == 0 ? 7 : left - 1
            let separatorRow = top == 0 ? 7 : top - 1
            for index in 0...7 {
                #expect(!code.isDark(x: separatorColumn, y: min(top + index, last)))
                #expect(!code.isDark(x: min(left + index, last), y: separatorRow))
            }
        }
        #expect(code.isDark(x: 8, y: code.size - 8), "the always-dark module next to the bottom-left finder")
    }

    @Test func timingPatternsAlternateBetweenTheFinders() throws {
        let code = try QRCode(text: Self.longToken)
        for index in 8..<(code.size - 8) {
            #expect(code.isDark(x: index, y: 6) == index.isMultiple(of: 2), "row 6, column \(index)")
            #expect(code.isDark(x: 6, y: index) == index.isMultiple(of: 2), "column 6, row \(index)")
        }
    }

    @Test func version2HasOneAlignmentPatternAt18_18() throws {
        let code = try QRCode(text: String(repeating: "a", count: 20))
        #expect(code.version == 2)
        for dy in -2...2 {
            for dx in -2...2 {
                #expect(code.isDark(x: 18 + dx, y: 18 + dy) == (max(abs(dx), abs(dy)) != 1))
            }
        }
    }

    @Test func outsideTheSymbolIsLight() throws {
        let code = try QRCode(text: "Baogong")
        #expect(!code.isDark(x: -1, y: 0))
        #expect(!code.isDark(x: 0, y: code.size))
    }

    @Test func capacityAtLevelMMatchesTheStandard() {
        #expect(QRCode.byteCapacity(version: 1) == 14)
        #expect(QRCode.byteCapacity(version: 10) == 213)
        #expect(QRCode.byteCapacity(version: 40) == 2331)
        #expect(QRCode.dataCodewordCount(version: 40) == 2334)
    }

    @Test func theLongestTextFitsVersion40AndOneByteMoreThrows() throws {
        #expect(try QRCode(text: String(repeating: "a", count: 2331)).version == 40)
        #expect(throws: QRCode.Failure.textTooLong(byteCount: 2332, maximum: 2331)) {
            try QRCode(text: String(repeating: "a", count: 2332))
        }
    }

    @Test func lengthIsCountedInUTF8Bytes() {
        // 778 three-byte characters are 2334 bytes, over the limit though only 778 characters.
        #expect(throws: QRCode.Failure.textTooLong(byteCount: 2334, maximum: 2331)) {
            try QRCode(text: String(repeating: "湘", count: 778))
        }
    }

    @Test func theSVGIsOneStandaloneElementWithAQuietZone() throws {
        let code = try QRCode(text: "Baogong")
        let svg = code.svg(moduleSize: 5, title: "Pairing")
        #expect(svg.hasPrefix("""
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29" width="145" height="145" \
            shape-rendering="crispEdges"><title>Pairing</title><rect width="29" height="29" fill="#fff"/>
            """))
        #expect(svg.hasSuffix("</svg>"))
        #expect(svg.components(separatedBy: "<path").count == 2, "exactly one path")
        let darkModules = (0..<code.size).flatMap { y in (0..<code.size).filter { code.isDark(x: $0, y: y) } }.count
        #expect(svg.components(separatedBy: "h1v1h-1z").count - 1 == darkModules)
        #expect(svg.contains("M4,4h1v1h-1z"), "the top-left finder's corner, shifted by the quiet zone")
    }

    @Test func theTitleIsEscaped() throws {
        let svg = try QRCode(text: "x").svg(title: "<a href=\"x\">Tom & Jerry's</a>")
        #expect(svg.contains("<title>&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;</title>"))
    }

    /// Renders the SVG with librsvg, decodes the PNG with zbar and compares the bytes with the input.
    @Test(arguments: [
        "Hello, Baogong! 0123456789",
        QRCodeTests.longToken,
        "湘L12345",
        String(repeating: "湘L12345 大米 5.20 kg; ", count: 40),
    ])
    func zbarReadsBackTheExactText(text: String) throws {
        let code = try QRCode(text: text)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let svgFile = folder.appendingPathComponent("code.svg")
        let pngFile = folder.appendingPathComponent("code.png")
        try Data(code.svg(title: "test").utf8).write(to: svgFile)
        _ = try Self.run("rsvg-convert", debianPackage: "librsvg2-bin", ["-o", pngFile.path, svgFile.path])
        // --raw: the data only; -Sbinary: the segment's bytes as they are. Without it zbar 0.23.92 guesses
        // a charset and reads the UTF-8 of "湘L" as Shift-JIS. --nodbus: no complaint about a missing bus.
        var decoded = try Self.run(
            "zbarimg", debianPackage: "zbar-tools", ["--raw", "-q", "-Sbinary", "--nodbus", pngFile.path]
        )
        if decoded.last == UInt8(ascii: "\n") { decoded.removeLast() }
        #expect(String(decoding: decoded, as: UTF8.self) == text, "version \(code.version), mask \(code.mask)")
        #expect(decoded == Data(text.utf8))
    }

    /// Runs a command-line tool and returns its standard output; a missing tool fails the test and
    /// names the Debian package to install.
    static func run(_ tool: String, debianPackage: String, _ arguments: [String]) throws -> Data {
        let searchPath = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/bin:/usr/local/bin"
        let candidates = searchPath.split(separator: ":").map { "\($0)/\(tool)" }
        let executable = try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0) },
            "\(tool) is not installed: apt-get install -y \(debianPackage) (Debian package \(debianPackage))"
        )
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(tool) exited with \(process.terminationStatus): \(message)")
        return data
    }
}
