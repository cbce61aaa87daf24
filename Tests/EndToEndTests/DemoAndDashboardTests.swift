import BaogongHub
import BaogongModel
import BaogongTestSupport
import Foundation
import Testing

@Suite("End to end: the county demo and the dashboard in a browser", .serialized)
struct DemoAndDashboardTests {
    /// The lines of the board that depend only on the seed (not on ports, folders or timing).
    func boardLines(_ output: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter {
            !$0.contains("http://") && !$0.contains("/tmp") && !$0.contains("Demo data written") && !$0.contains("token")
        }
    }

    @Test func demoPrintsTheBoardOfTheSeedsCountyAndIsReproducible() throws {
        let first = try run(Executables.hub, ["demo", "--exit", "--seed", "11"], timeout: 300)
        #expect(first.status == 0, "\(first.stderr)")
        let out = first.stdout
        for name in ["Bubugao Longmei 步步高龙美店", "Yongjiang Department Store 永江百货  [closed 停业]", "Wanjiahe North", "Duolefu"] {
            #expect(out.contains(name), "board lacks \(name)")
        }
        for commodity in ["Rice 大米", "Flour 面粉", "Cooking oil 食用油", "Pork 猪肉", "Eggs 鸡蛋", "Instant noodles 方便面", "Vegetables 蔬菜"] {
            #expect(out.contains(commodity))
        }
        #expect(out.contains("10 suppliers on the matching desk; 30 agent devices synced over HTTP"))
        // The matching desk ends with the source account's figures, read back from the hub.
        #expect(out.contains("From farms 农场: 22,700 kg of rice and 30,500 kg of vegetables to Duolefu"))
        #expect(out.contains("From collection points 收购点: 26,800 kg of vegetables and 1,400 jin (700 kg) of scallion and garlic"))
        #expect(out.contains("3,000 jin of Chinese cabbage from Grower in Yangtang 洋塘种植户, matched in 8 minutes"))
        #expect(out.contains("a farmer's 1,000 jin of red cabbage stalks and 500 jin of Chinese cabbage matched to"))
        #expect(out.contains("within 24 minutes of posting"))
        #expect(out.contains("Online orders 线上订单 to 2020-02-29: 9,884 orders; rice 255,000 kg, oil 22,000 barrels, flour 6,000 bags,"
                             + " instant noodles 126 cases, vegetables 5,573 kg, pork 3,605 kg; 2,628,000 yuan; 15,463 person-times served;"
                             + " 40 vehicles, 92 staff, 85 order groups"))
        #expect(out.contains("Green-channel passes 绿色通道通行证: 64 issued, 64 valid on 2020-02-29"))
        #expect(out.contains("Shengyuan Supermarket 1 盛源超市一店: vegetables is out of stock"))
        #expect(out.contains("Wanjiahe North 万家和北店: rice at 6.90 yuan"))
        #expect(out.contains("closed: 8"), "7 farmers' markets and Yongjiang are closed on 29 Feb")
        #expect(out.contains("http://127.0.0.1:"))
        let second = try run(Executables.hub, ["demo", "--exit", "--seed", "11"], timeout: 300)
        #expect(boardLines(second.stdout) == boardLines(out), "the same seed gives the same board")
    }

    /// Renders the dashboard of a running demo in headless Chromium and checks the figures against the API.
    @Test func dashboardRendersInHeadlessChromiumWithTheRightFigures() throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "Debian's chromium is needed (.ci/run installs it)")
        let dir = try Scratch()
        let port = freePort()
        let demo = Process()
        demo.executableURL = URL(fileURLWithPath: Executables.hub)
        demo.arguments = ["demo", "--seed", "5", "--port", String(port), "--dir", dir.path("demo")]
        let out = Pipe()
        demo.standardOutput = out
        demo.standardError = FileHandle.nullDevice
        try demo.run()
        defer { if demo.isRunning { kill(demo.processIdentifier, SIGKILL) } }
        // Read the board until the demo says it is serving.
        var text = ""
        let deadline = Date().addingTimeInterval(240)
        while !text.contains("Serving the dashboard"), Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        // Two single-use sign-in links: one for the page, one for the screenshot.
        let codes = text.components(separatedBy: "/login/session/").dropFirst().map { String($0.prefix { $0.isHexDigit }) }
        #expect(codes.count == 2)
        #expect(codes.allSatisfy { $0.count == 64 })
        let link = "http://127.0.0.1:\(port)/login/session/\(codes[0])?lang=en"
        let tokenMarker = try #require(text.range(of: "operator token: "))
        let operatorToken = String(text[tokenMarker.upperBound...].prefix { !$0.isWhitespace })

        let base = "http://127.0.0.1:\(port)"
        let supply = try JSONDecoder().decode(SupplyView.self, from: httpGet("\(base)/v1/views/supply", token: operatorToken).body)
        let checkpoints = try JSONDecoder().decode(CheckpointView.self, from: httpGet("\(base)/v1/views/checkpoints", token: operatorToken).body)
        #expect(supply.date == "2020-02-29")
        #expect(supply.commodities.count == 7)

        let dom = try run(browser, ["--headless=new", "--no-sandbox", "--disable-gpu", "--dump-dom", link], timeout: 120)
        #expect(dom.status == 0, "\(dom.stderr.suffix(500))")
        let html = dom.stdout
        #expect(html.contains("<svg id=\"dos-chart\""), "the days-of-supply chart is there")
        for row in supply.commodities {
            let days = row.daysOfSupply.map { String(format: "%.1f", $0) } ?? "–"
            #expect(html.contains("data-commodity=\"\(row.commodity)\" data-days=\"\(days)\""), "bar of \(row.commodity)")
            #expect(html.contains("<td class=\"num on-hand\">\(String(format: "%.1f", row.onHand))</td>"), "on hand of \(row.commodity)")
        }
        #expect(html.contains("data-key=\"checked\">\(checkpoints.checked)<"))
        #expect(html.contains("id=\"store-grid\""), "the vegetable stock-out is coloured")
        #expect(html.contains("data-band=\"stock_out\""), "the vegetable stock-out is coloured")
        #expect(html.contains("id=\"alerts-list\""))
        #expect(html.contains("Farmers' market 1"))

        let png = dir.path("dashboard.png")
        let shot = try run(browser, ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1600",
                                     "--screenshot=\(png)", "http://127.0.0.1:\(port)/login/session/\(codes[1])?lang=zh"], timeout: 120)
        #expect(shot.status == 0)
        // A link works once: the first one, visited again, signs no one in.
        #expect(try httpGet(link).status == 401)
        let size = (try? FileManager.default.attributesOfItem(atPath: png)[.size] as? Int) ?? 0
        #expect(size > 50_000, "a real screenshot, not a blank page (\(size) bytes)")

        // Ctrl-C stops the demo's hub gracefully.
        kill(demo.processIdentifier, SIGINT)
        demo.waitUntilExit()
        #expect(demo.terminationStatus == 0)
    }
}
