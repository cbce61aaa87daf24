import BaogongModel
import Foundation
import Testing

@Suite("Domain validation")
struct DomainTests {
    let validator = ChangeValidator(knownCommodities: ["rice", "pork"])

    func stock(_ fields: [String: FieldValue], key: String = "S01/rice/2020-02-10") -> Change {
        Change(set: "stock", key: key, timestamp: HLCTimestamp(rawValue: 1), replica: "S01.a", fields: fields)
    }

    func error(_ body: () throws -> Void) -> DomainError? {
        do { try body() } catch let e as DomainError { return e } catch { return nil }
        return nil
    }

    @Test func negativeStockPriceAndCountsAreRefusedNamingTheField() {
        let e1 = error { _ = try validator.validate(stock(["on_hand": .real(-1)]), by: .store("S01")) }
        #expect(e1?.code == .negative)
        #expect(e1?.field == "on_hand")
        let e2 = error { _ = try validator.validate(stock(["price": .int(-520)]), by: .store("S01")) }
        #expect(e2?.code == .negative)
        #expect(e2?.field == "price")
        let counts = Change(set: "checkpoint", key: "S01/2020-02-10", timestamp: .zero, replica: "S01.a", counters: ["checked": -3])
        let e3 = error { _ = try validator.validate(counts, by: .store("S01")) }
        #expect(e3?.code == .negative)
        #expect(e3?.field == "checked")
    }

    @Test func unknownCommodityAndUnknownFieldsAreRefused() {
        let e1 = error { _ = try validator.validate(stock(["on_hand": .real(1)], key: "S01/caviar/2020-02-10"), by: .store("S01")) }
        #expect(e1?.code == .unknownCommodity)
        #expect(e1?.field == "commodity")
        let e2 = error { _ = try validator.validate(stock(["colour": .text("red")]), by: .store("S01")) }
        #expect(e2?.code == .unknownField)
        #expect(e2?.field == "colour")
        let e3 = error { _ = try validator.validate(stock(["on_hand": .text("lots")]), by: .store("S01")) }
        #expect(e3?.code == .wrongType)
        #expect(e3?.field == "on_hand")
        let unknownSet = Change(set: "gossip", key: "x", timestamp: .zero, replica: nil)
        #expect(error { _ = try validator.validate(unknownSet, by: .hub) }?.code == .unknownRecordSet)
    }

    @Test func datesMustBeRealCalendarDates() throws {
        for bad in ["2020-02-30", "2019-02-29", "2020-13-01", "2020-2-1", "20200210", "2020-04-31", ""] {
            let e = error { _ = try CalendarDate(bad) }
            #expect(e?.code == .invalidDate, "\(bad) accepted")
            #expect(e?.field == "date", "\(bad) accepted")
        }
        #expect(try CalendarDate("2020-02-29").description == "2020-02-29")
        #expect(try CalendarDate("2000-02-29").day == 29)
        let e = error { _ = try validator.validate(stock(["on_hand": .real(1)], key: "S01/rice/2020-02-30"), by: .store("S01")) }
        #expect(e?.field == "date")
    }

    @Test func dayNumbersRoundTrip() throws {
        let d = try CalendarDate("2020-01-24")
        #expect(CalendarDate(dayNumber: d.dayNumber) == d)
        #expect(d.adding(days: 36).description == "2020-02-29")
        #expect(try CalendarDate("1970-01-01").dayNumber == 0)
        // 2020-02-10 16:30 UTC is already 2020-02-11 in China.
        #expect(CalendarDate.chinaDate(unixMilliseconds: 1_581_352_200_000).description == "2020-02-11")
    }

    @Test func storesMayWriteOnlyTheirOwnRecords() {
        let e = error { _ = try validator.validate(stock(["on_hand": .real(1)], key: "S02/rice/2020-02-10"), by: .store("S01")) }
        #expect(e?.code == .wrongStore)
        let catalog = Change(set: "catalog", key: "rice", timestamp: .zero, replica: nil, fields: ["unit": .text("kg")])
        #expect(error { _ = try validator.validate(catalog, by: .store("S01")) }?.code == .wrongStore)
        #expect(error { _ = try validator.validate(catalog, by: .hub) } == nil)
    }

    @Test func pricesAreExactFen() throws {
        #expect(try Money.fen(fromYuan: "5.20") == 520)
        #expect(try Money.fen(fromYuan: "5.2") == 520)
        #expect(try Money.fen(fromYuan: "12") == 1200)
        #expect(try Money.fen(fromYuan: "0.07") == 7)
        #expect(Money.yuanString(fen: 520) == "5.20")
        for bad in ["5.201", "-1", "abc", "1e3", "", "."] {
            #expect(error { _ = try Money.fen(fromYuan: bad) }?.field == "price", "\(bad) accepted")
        }
    }

    @Test func unitsConvertJinAndKilograms() throws {
        #expect(CommodityUnit.jin.convert(1000, to: .kg) == 500)
        #expect(CommodityUnit.kg.convert(3, to: .jin) == 6)
        #expect(CommodityUnit.barrel.convert(1, to: .kg) == nil)
        #expect(try CommodityUnit(parsing: "L") == .litre)
        #expect(error { _ = try CommodityUnit(parsing: "bushel") }?.field == "unit")
    }

    @Test func wholeNumbersInDecimalFieldsAreNormalised() throws {
        let c = try validator.validate(stock(["on_hand": .int(5), "price": .int(520)]), by: .store("S01"))
        #expect(c.fields["on_hand"] == .real(5))
        #expect(c.fields["price"] == .int(520))
        let e = error { _ = try validator.validate(stock(["price": .real(5.2)]), by: .store("S01")) }
        #expect(e?.code == .wrongType, "prices travel as integer fen")
        #expect(e?.field == "price", "prices travel as integer fen")
    }
}
