import BaogongModel
import BaogongTestSupport
import Foundation
import Testing

/// `baogong-hub demo --city`: three county hubs synced upward over HTTP; the city's board and its
/// dashboard show each county beside the city total, which is their sum, and drill down to a county.
@Suite("End to end: the city demo")
struct CityDemoTests {
    @Test func theCityDemoRollsUpThreeCountiesAndItsDashboardDrillsDown() throws {
        let dir = try Scratch()
        let folder = dir.path("city-demo")
        let demo = try run(Executables.hub, ["demo", "--city", "--exit", "--seed", "7", "--dir", folder], timeout: 300)
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect(demo.stdout.contains("Counties 区县: 安仁县 Anren (4 sites), 桂阳县 Guiyang (4 sites), 永兴县 Yongxing"))
        #expect(demo.stdout.contains("anren      reported 4/4, on time 4, late 0  signed off 已审核"))
        #expect(demo.stdout.contains("guiyang    reported 4/4, on time 4, late 0  not signed off 未审核"))

        // The city's totals are the three county hubs' sums, commodity by commodity.
        func onHand(_ db: String, _ extra: [String] = []) throws -> [String: Double] {
            let r = try run(Executables.hub, ["supply", "--db", db, "--date", "2020-02-29", "--json"] + extra)
            let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            return (object?["commodities"] as? [[String: Any]] ?? []).reduce(into: [:]) {
                $0[$1["commodity"] as? String ?? ""] = ($1["on_hand"] as? NSNumber)?.doubleValue
            }
        }
        let city = try onHand(folder + "/city.sqlite")
        let counties = try ["yongxing", "anren", "guiyang"].map { try onHand(folder + "/\($0)/hub.sqlite") }
        #expect(city.count == 7)
        for (commodity, total) in city {
            let sum = counties.reduce(0.0) { $0 + ($1[commodity] ?? 0) }
            #expect(abs(total - sum) < 1e-6, "\(commodity): city \(total), counties \(sum)")
        }

        // The city's daily report: completeness, timeliness and sign-off per county, and the total.
        let report = try run(Executables.hub, ["report", "daily", "--db", folder + "/city.sqlite", "--date", "2020-02-29", "--format", "csv"])
        #expect(report.stdout.contains("section,county,name,expected,reported,rate,on_time,late,on_time_rate,approved_at,last_sync_at"))
        #expect(report.stdout.contains("counties,anren,安仁县 Anren,4,4,100%,4,0,100%,2020-02-29T13:00:00Z,"))
        #expect(report.stdout.contains("counties,guiyang,桂阳县 Guiyang,4,4,100%,4,0,100%,,"))

        // The city's dashboard: the county table, and a county's own board.
        let token = try #require(demo.stdout.split(separator: "\n").first { $0.contains("demo operator token: ") }?
            .components(separatedBy: "demo operator token: ").last)
        let hub = HubProcess(database: folder + "/city.sqlite")
        try hub.start()
        defer { hub.stop() }
        let board = String(decoding: try httpGet(hub.url + "/?date=2020-02-29&by=county&lang=en", token: token).body, as: UTF8.self)
        #expect(board.contains("<section id=\"counties\">"))
        for county in ["yongxing", "anren", "guiyang"] { #expect(board.contains("data-county=\"\(county)\"")) }
        #expect(board.contains("/?county=anren&amp;date=2020-02-29"))
        let anren = String(decoding: try httpGet(hub.url + "/?date=2020-02-29&county=anren&lang=en", token: token).body, as: UTF8.self)
        #expect(anren.contains("安仁县 Anren") && anren.contains("back to the city board"))
        #expect(!anren.contains("<section id=\"counties\">"))
        #expect(anren.contains("anren.duolefu") || anren.contains("多乐福超市 Duolefu"))
        #expect(!anren.contains("guiyang.hualian") && !anren.contains("华联超市"), "only anren's stores on its board")
        #expect(try httpGet(hub.url + "/?county=nowhere", token: token).status == 404)
        // by=county with county=ID: that county's row only.
        let one = try httpGet(hub.url + "/v1/views/reporting?date=2020-02-29&by=county&county=anren", token: token)
        let rows = (try JSONSerialization.jsonObject(with: one.body) as? [String: Any])?["rows"] as? [[String: Any]]
        #expect(one.status == 200 && rows?.map { $0["county"] as? String } == ["anren"])
    }
}
