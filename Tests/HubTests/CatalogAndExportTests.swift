@testable import BaogongHub
import BaogongModel
import BaogongRecordStore
import GRDB
import Foundation
import Testing

/// `catalog set` changes only what it is given; CSV exports never hand a spreadsheet a formula.
@Suite("Catalog updates and CSV exports")
struct CatalogAndExportTests {
    static let now = Fixture.instant("2020-02-10T02:00:00Z")

    @Test("catalog set changes only the flags given; a new commodity needs its unit")
    func partialCatalogUpdate() async throws {
        let db = try HubDatabase.inMemory(now: Self.now)
        let rice = try #require(try await db.catalog().first { $0.id == "rice" })
        let updated = try await db.updateCatalog(id: "rice", unit: nil, nameEnglish: nil, nameChinese: nil, minDays: 10, now: Self.now)
        #expect(updated.minDays == 10)
        #expect(updated.unit == rice.unit)
        #expect(updated.nameChinese == rice.nameChinese)
        #expect(updated.nameEnglish == rice.nameEnglish)
        // Only min_days carries the new timestamp: a concurrent rename elsewhere is not overwritten.
        let state = try #require(try await db.writer.read { db in try RecordStore.state(set: "catalog", key: "rice", in: db) })
        func stamp(_ field: String) -> HLCTimestamp? {
            if case .register(let r)? = state.fields[field] { return r.timestamp }
            return nil
        }
        let stamps = Set(["unit", "name_en", "name_zh"].compactMap(stamp))
        #expect(stamps.count == 1)
        #expect(stamp("min_days") != stamps.first)

        let before = try db.fingerprint()
        let noUnit = await #expect(throws: DomainError.self) {
            _ = try await db.updateCatalog(id: "scallion", unit: nil, nameEnglish: "Scallion", nameChinese: nil, minDays: nil, now: Self.now)
        }
        #expect(noUnit?.field == "unit")
        #expect(try db.fingerprint() == before)
        let scallion = try await db.updateCatalog(id: "scallion", unit: .jin, nameEnglish: nil, nameChinese: "葱", minDays: nil, now: Self.now)
        #expect(scallion.nameEnglish == "scallion")
        #expect(scallion.minDays == 3)
    }

    @Test("a cell that would run as a formula is written as text")
    func formulasNeutralised() {
        #expect(DailyReport.csvField(#"=HYPERLINK("http://x","y")"#) == #""'=HYPERLINK(""http://x"",""y"")""#)
        #expect(DailyReport.csvField("+1") == "+1", "a number stays a number")
        #expect(DailyReport.csvField("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0")
        #expect(DailyReport.csvField("-2.5") == "-2.5")
        #expect(DailyReport.csvField("@SUM(A1)") == "'@SUM(A1)")
        #expect(DailyReport.csvField("Shengyuan 1") == "Shengyuan 1")
    }
}
