import BaogongModel
import BaogongRecordStore
import PropertyBased


let replicas = ["S01.aaaa", "S01.bbbb", "S02.cccc"]

/// Values from a small domain, so that collisions (same timestamp, same replica) happen often.
let valueGen = Gen<Int64>.value(in: -2...2).map { n -> FieldValue in
    switch n {
    case -2: return .null
    case -1: return .text("x")
    case 0: return .real(0.5)
    default: return .int(n)
    }
}

let registerGen = zip(Gen<UInt64>.value(in: 0...6), Gen<Int>.value(in: 0...2), valueGen).map { t in
    LWWRegister(value: t.2, timestamp: HLCTimestamp(rawValue: t.0), replica: replicas[t.1])
}

let slotsGen = zip(Gen<Int64>.value(in: 0...5), Gen<Int64>.value(in: 0...5), Gen<Int64>.value(in: 0...5)).map { t in
    var slots = [ReplicaID: Int64]()
    for (replica, n) in zip(replicas, [t.0, t.1, t.2]) where n > 0 { slots[replica] = n }
    return slots
}

let counterGen = zip(slotsGen, slotsGen).map { t in PNCounter(increments: t.0, decrements: t.1) }

func randomValue(_ rng: inout SeededRandom) -> FieldValue {
    switch Int.random(in: 0..<4, using: &rng) {
    case 0: return .int(Int64.random(in: 0...3, using: &rng))
    case 1: return .text(["a", "b"].randomElement(using: &rng)!)
    case 2: return .real(Double(Int.random(in: 0...3, using: &rng)) / 2)
    default: return .null
    }
}

/// A random record state over a few fields: registers, counters and sometimes a tombstone.
func randomRecordState(_ rng: inout SeededRandom) -> RecordState {
    var fields = [String: FieldState]()
    for name in ["on_hand", "price", "source"] where Bool.random(using: &rng) {
        fields[name] = .register(
            LWWRegister(
                value: randomValue(&rng), timestamp: HLCTimestamp(rawValue: UInt64.random(in: 0...5, using: &rng)),
                replica: replicas.randomElement(using: &rng)!
            )
        )
    }
    for name in ["checked", "refused_fever"] where Bool.random(using: &rng) {
        var p = [ReplicaID: Int64](), n = [ReplicaID: Int64]()
        for r in replicas where Bool.random(using: &rng) { p[r] = Int64.random(in: 0...9, using: &rng) }
        for r in replicas where Int.random(in: 0..<4, using: &rng) == 0 { n[r] = Int64.random(in: 0...3, using: &rng) }
        fields[name] = .counter(PNCounter(increments: p, decrements: n))
    }
    if Int.random(in: 0..<4, using: &rng) == 0 {
        fields[RecordState.tombstoneField] = .register(
            LWWRegister(value: .int(Int64.random(in: 0...1, using: &rng)), timestamp: HLCTimestamp(rawValue: UInt64.random(in: 0...5, using: &rng)),
                        replica: replicas.randomElement(using: &rng)!)
        )
    }
    return RecordState(fields: fields)
}

func randomRecordSet(_ rng: inout SeededRandom) -> RecordSetState {
    var records = [String: RecordState]()
    for key in ["S01/rice/2020-02-10", "S01/pork/2020-02-10", "S02/rice/2020-02-10"] where Bool.random(using: &rng) {
        records[key] = randomRecordState(&rng)
    }
    return RecordSetState(records: records)
}

/// A realistic history of changes from several replicas: each replica's clock only moves forward and
/// its counter slots only grow, as `RecordStore` and the agent guarantee.
func randomHistory(_ rng: inout SeededRandom, count: Int) -> [Change] {
    var clocks = [ReplicaID: HybridLogicalClock]()
    var slots = [String: Int64]()
    var changes = [Change]()
    let stores = ["S01.aaaa": "S01", "S01.bbbb": "S01", "S02.cccc": "S02"]
    for _ in 0..<count {
        let replica = replicas.randomElement(using: &rng)!
        let store = stores[replica]!
        // Wall clocks that disagree and sometimes run backwards.
        let wall = UInt64(1_580_000_000_000 + Int64.random(in: -5...5, using: &rng))
        var clock = clocks[replica, default: HybridLogicalClock()]
        // Occasionally a replica has seen another's latest write first (causality).
        if Bool.random(using: &rng), let seen = changes.randomElement(using: &rng) {
            clock.receive(seen.timestamp, wallMilliseconds: wall)
        }
        let ts = clock.tick(wallMilliseconds: wall)
        clocks[replica] = clock
        if Bool.random(using: &rng) {
            let date = ["2020-02-10", "2020-02-11"].randomElement(using: &rng)!
            let commodity = ["rice", "pork"].randomElement(using: &rng)!
            var fields: [String: FieldValue] = ["on_hand": .real(Double(Int.random(in: 0...500, using: &rng)))]
            if Bool.random(using: &rng) { fields["price"] = .int(Int64.random(in: 400...700, using: &rng)) }
            if Int.random(in: 0..<5, using: &rng) == 0 { fields[RecordState.tombstoneField] = .int(1) }
            changes.append(Change(set: "stock", key: "\(store)/\(commodity)/\(date)", timestamp: ts, replica: replica, fields: fields))
        } else {
            let key = "\(store)/2020-02-10"
            var counters = [String: Int64]()
            for field in ["checked", "refused_fever"] where Bool.random(using: &rng) {
                slots[replica + key + field, default: 0] += Int64.random(in: 1...20, using: &rng)
                counters[field] = slots[replica + key + field]
            }
            if counters.isEmpty { counters["checked"] = slots[replica + key + "checked", default: 0] }
            changes.append(Change(set: "checkpoint", key: key, timestamp: ts, replica: replica, counters: counters))
        }
    }
    return changes
}

/// Delivers `changes` the way a bad network would: shuffled, some duplicated, cut into batches at random points.
func hostileDelivery(_ changes: [Change], _ rng: inout SeededRandom) -> [[Change]] {
    var stream = changes
    for c in changes where Int.random(in: 0..<3, using: &rng) == 0 { stream.append(c) }
    stream.shuffle(using: &rng)
    var batches = [[Change]]()
    var i = 0
    while i < stream.count {
        let n = Int.random(in: 1...max(1, stream.count / 3), using: &rng)
        batches.append(Array(stream[i..<min(stream.count, i + n)]))
        i += n
    }
    // Replay a couple of whole batches, as after a timeout.
    for _ in 0..<2 { if let b = batches.randomElement(using: &rng) { batches.append(b) } }
    return batches
}
