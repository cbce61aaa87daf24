import BaogongModel
import BaogongRecordStore
import GRDB
import PropertyBased
import Testing

/// Merge is commutative, associative and idempotent for every field type and for whole record sets.
@Suite("CRDT merge laws")
struct CRDTLawTests {
    @Test func lwwRegisterLaws() async {
        await propertyCheck(count: 400, input: registerGen, registerGen, registerGen) { a, b, c in
            #expect(a.merging(b) == b.merging(a), "commutative")
            #expect(a.merging(b).merging(c) == a.merging(b.merging(c)), "associative")
            #expect(a.merging(a) == a, "idempotent")
        }
    }

    @Test func lwwLaterTimestampWinsThenReplica() async {
        await propertyCheck(count: 200, input: registerGen, registerGen) { a, b in
            let winner = a.merging(b)
            if a.timestamp != b.timestamp {
                #expect(winner.timestamp == max(a.timestamp, b.timestamp))
            } else if a.replica != b.replica {
                #expect(winner.replica == max(a.replica, b.replica))
            }
        }
    }

    @Test func counterLaws() async {
        await propertyCheck(count: 400, input: counterGen, counterGen, counterGen) { a, b, c in
            #expect(a.merging(b) == b.merging(a), "commutative")
            #expect(a.merging(b).merging(c) == a.merging(b.merging(c)), "associative")
            #expect(a.merging(a) == a, "idempotent")
        }
    }

    @Test func fieldStateLaws() async {
        let fieldGen = zip(Gen<Int>.value(in: 0...1), registerGen, counterGen).map { t in
            t.0 == 1 ? FieldState.register(t.1) : FieldState.counter(t.2)
        }
        await propertyCheck(count: 400, input: fieldGen, fieldGen, fieldGen) { a, b, c in
            #expect(a.merging(b) == b.merging(a))
            #expect(a.merging(b).merging(c) == a.merging(b.merging(c)))
            #expect(a.merging(a) == a)
        }
    }

    @Test func recordStateLaws() async {
        await propertyCheck(count: 300, input: Gen<UInt64>.value(in: 0...UInt64.max)) { seed in
            var rng = SeededRandom(seed: seed)
            let a = randomRecordState(&rng), b = randomRecordState(&rng), c = randomRecordState(&rng)
            #expect(a.merging(b) == b.merging(a))
            #expect(a.merging(b).merging(c) == a.merging(b.merging(c)))
            #expect(a.merging(a) == a)
        }
    }

    @Test func recordSetLaws() async {
        await propertyCheck(count: 300, input: Gen<UInt64>.value(in: 0...UInt64.max)) { seed in
            var rng = SeededRandom(seed: seed)
            let a = randomRecordSet(&rng), b = randomRecordSet(&rng), c = randomRecordSet(&rng)
            #expect(a.merging(b) == b.merging(a))
            #expect(a.merging(b).merging(c) == a.merging(b.merging(c)))
            #expect(a.merging(a) == a)
        }
    }

    /// Three replicas receive the same changes in different orders, with duplicates and batches cut
    /// anywhere, each through its own SQLite record store: all end in identical state.
    @Test func replicasConvergeThroughTheRecordStore() async throws {
        await propertyCheck(count: 60, input: Gen<UInt64>.value(in: 0...UInt64.max)) { seed in
            var rng = SeededRandom(seed: seed)
            let history = randomHistory(&rng, count: Int.random(in: 1...40, using: &rng))
            var expected = [String: RecordSetState]()
            for change in history { expected[change.set, default: RecordSetState()].apply(change) }
            var finals = [[String: RecordSetState]]()
            for _ in 0..<3 {
                let store = try RecordStore.inMemory()
                for batch in hostileDelivery(history, &rng) {
                    _ = try store.apply(batch, defaultReplica: "unused")
                }
                var sets = [String: RecordSetState]()
                try store.writer.read { db in
                    for name in ["stock", "checkpoint"] {
                        let state = try RecordStore.allStates(set: name, in: db)
                        if !state.records.isEmpty { sets[name] = state }
                    }
                }
                finals.append(sets)
            }
            #expect(finals[0] == finals[1])
            #expect(finals[1] == finals[2])
            #expect(finals[0] == expected, "the stores agree with an in-memory fold of the same history")
        }
    }

    /// The materialised current values agree with the CRDT state after any delivery order.
    @Test func materialisedValuesMatchState() async throws {
        await propertyCheck(count: 30, input: Gen<UInt64>.value(in: 0...UInt64.max)) { seed in
            var rng = SeededRandom(seed: seed)
            let history = randomHistory(&rng, count: 30)
            let store = try RecordStore.inMemory()
            for batch in hostileDelivery(history, &rng) { _ = try store.apply(batch, defaultReplica: "unused") }
            try store.writer.read { db in
                let states = try RecordStore.allStates(set: "checkpoint", in: db)
                for (key, state) in states.records {
                    let checked = try Int64.fetchOne(db, sql: "SELECT checked FROM checkpoint WHERE key = ?", arguments: [key])
                    #expect(checked == state["checked"]?.intValue)
                }
                let stock = try RecordStore.allStates(set: "stock", in: db)
                for (key, state) in stock.records {
                    let deleted = try Bool.fetchOne(db, sql: "SELECT deleted FROM stock WHERE key = ?", arguments: [key])
                    #expect(deleted == state.isDeleted)
                }
            }
        }
    }
}
