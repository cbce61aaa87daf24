/// A QR Code (Model 2) holding UTF-8 text in byte mode at error correction level M, in the smallest
/// version (1–40) that fits.
///
/// The algorithm follows Project Nayuki's "QR Code generator library" (MIT License,
/// https://www.nayuki.io/page/qr-code-generator-library): the same steps in the same order — segment
/// bits, Reed–Solomon blocks and interleaving, function patterns, zigzag placement, the eight masks
/// scored with ISO/IEC 18004's penalty rules — rewritten here in Swift, reduced to byte mode and level M.
struct QRCode: Sendable {
    /// Why a text cannot be encoded.
    enum Failure: Error, Sendable, Equatable {
        /// The text's UTF-8 form is longer than a version 40-M symbol holds in byte mode (2331 bytes).
        case textTooLong(byteCount: Int, maximum: Int)
    }

    /// The symbol's version, 1 to 40: the size grows by 4 modules per version.
    let version: Int
    /// Modules per side, without the quiet zone: 21 for version 1, 177 for version 40.
    let size: Int
    /// The mask (0–7) chosen for the lowest penalty.
    let mask: Int
    /// Row after row, `true` for a dark module.
    private let modules: [Bool]

    /// Encodes `text` as UTF-8 bytes in the smallest version that holds it at level M.
    init(text: String) throws(QRCode.Failure) {
        let bytes = Array(text.utf8)
        guard let version = Self.smallestVersion(holding: bytes.count) else {
            throw .textTooLong(byteCount: bytes.count, maximum: Self.byteCapacity(version: 40))
        }
        let data = Self.dataCodewords(for: bytes, version: version)
        var matrix = QRMatrix(version: version)
        matrix.drawFunctionPatterns()
        matrix.drawCodewords(Self.interleavedWithErrorCorrection(data, version: version))
        let mask = matrix.applyBestMask()
        self.version = version
        self.size = matrix.size
        self.mask = mask
        self.modules = matrix.modules
    }

    /// Whether the module at column `x`, row `y` (from the top left, 0-based) is dark; `false` outside
    /// the symbol, where the quiet zone is.
    func isDark(x: Int, y: Int) -> Bool {
        guard (0..<size).contains(x), (0..<size).contains(y) else { return false }
        return modules[y * size + x]
    }

    /// An SVG drawing: one `<path>` of dark modules, a white quiet zone of 4 modules, crisp edges,
    /// scaled by `moduleSize` pixels per module; `title` becomes the `<title>` (escaped).
    func svg(moduleSize: Int = 4, title: String) -> String {
        precondition(moduleSize > 0, "a module is at least one pixel wide")
        let quietZone = 4
        let side = size + 2 * quietZone
        let pixels = side * moduleSize
        var path = ""
        for y in 0..<size {
            for x in 0..<size where isDark(x: x, y: y) {
                path += "M\(x + quietZone),\(y + quietZone)h1v1h-1z"
            }
        }
        let escapedTitle: HTML = "\(title)"
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)" width="\(pixels)" \
            height="\(pixels)" shape-rendering="crispEdges"><title>\(escapedTitle)</title>\
            <rect width="\(side)" height="\(side)" fill="#fff"/><path d="\(path)" fill="#000"/></svg>
            """
    }
}

// MARK: - Capacity and data codewords

extension QRCode {
    /// Error correction codewords per block at level M, indexed by version (index 0 unused).
    private static let eccCodewordsPerBlock = [
        -1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
        26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    ]
    /// Reed–Solomon blocks at level M, indexed by version (index 0 unused).
    private static let errorCorrectionBlocks = [
        -1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
        17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
    ]

    /// Modules left for data and error correction once the function patterns and the format and version
    /// information are placed (may include up to 7 remainder bits).
    static func rawDataModules(version: Int) -> Int {
        var result = (16 * version + 128) * version + 64
        if version >= 2 {
            let alignmentCount = version / 7 + 2
            result -= (25 * alignmentCount - 10) * alignmentCount - 55
            if version >= 7 { result -= 36 }
        }
        return result
    }

    /// The 8-bit data codewords a version holds at level M, error correction excluded.
    static func dataCodewordCount(version: Int) -> Int {
        rawDataModules(version: version) / 8 - eccCodewordsPerBlock[version] * errorCorrectionBlocks[version]
    }

    /// Bits of the byte-mode character count: 8 up to version 9, 16 from version 10.
    private static func countBits(version: Int) -> Int { version <= 9 ? 8 : 16 }

    /// The most bytes one byte-mode segment carries in `version` at level M.
    static func byteCapacity(version: Int) -> Int {
        (dataCodewordCount(version: version) * 8 - 4 - countBits(version: version)) / 8
    }

    private static func smallestVersion(holding byteCount: Int) -> Int? {
        (1...40).first { byteCount <= byteCapacity(version: $0) }
    }

    /// The mode indicator, count, bytes, terminator and pad codewords, filling the version's data capacity.
    private static func dataCodewords(for bytes: [UInt8], version: Int) -> [UInt8] {
        let capacityBits = dataCodewordCount(version: version) * 8
        var bits = BitBuffer()
        bits.append(0b0100, count: 4)
        bits.append(bytes.count, count: countBits(version: version))
        for byte in bytes { bits.append(Int(byte), count: 8) }
        bits.append(0, count: min(4, capacityBits - bits.count))
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var padding = 0xEC
        while bits.count < capacityBits {
            bits.append(padding, count: 8)
            padding ^= 0xEC ^ 0x11
        }
        return bits.bytes
    }

    /// Splits `data` into the version's blocks, appends each block's Reed–Solomon codewords and
    /// interleaves the result the way the standard reads it back.
    private static func interleavedWithErrorCorrection(_ data: [UInt8], version: Int) -> [UInt8] {
        let blockCount = errorCorrectionBlocks[version]
        let eccLength = eccCodewordsPerBlock[version]
        let rawCodewords = rawDataModules(version: version) / 8
        let shortBlockCount = blockCount - rawCodewords % blockCount
        let shortBlockLength = rawCodewords / blockCount
        let generator = ReedSolomon.generator(degree: eccLength)
        var blocks: [[UInt8]] = []
        var start = 0
        for index in 0..<blockCount {
            let dataLength = shortBlockLength - eccLength + (index < shortBlockCount ? 0 : 1)
            let blockData = Array(data[start..<start + dataLength])
            start += dataLength
            // Short blocks get a placeholder byte so that all blocks line up; it is skipped below.
            let placeholder: [UInt8] = index < shortBlockCount ? [0] : []
            blocks.append(blockData + placeholder + ReedSolomon.remainder(of: blockData, generator: generator))
        }
        var result: [UInt8] = []
        result.reserveCapacity(rawCodewords)
        for position in blocks[0].indices {
            for (index, block) in blocks.enumerated()
            where position != shortBlockLength - eccLength || index >= shortBlockCount {
                result.append(block[position])
            }
        }
        return result
    }
}

/// Bits appended most significant first, read back as bytes.
private struct BitBuffer {
    private(set) var bits: [Bool] = []
    var count: Int { bits.count }

    /// Appends the low `count` bits of `value`, highest first.
    mutating func append(_ value: Int, count: Int) {
        for shift in stride(from: count - 1, through: 0, by: -1) {
            bits.append((value >> shift) & 1 == 1)
        }
    }

    /// The bits packed eight to a byte; the count is a multiple of 8 when this is read.
    var bytes: [UInt8] {
        stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<min(start + 8, bits.count)].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
        }
    }
}

/// Reed–Solomon error correction over GF(2^8) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
private enum ReedSolomon {
    /// The generator polynomial of `degree`, coefficients from highest to lowest power, the leading 1 dropped.
    static func generator(degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for index in 0..<degree {
                result[index] = multiply(result[index], root)
                if index + 1 < degree { result[index] ^= result[index + 1] }
            }
            root = multiply(root, 0x02)
        }
        return result
    }

    /// The error correction codewords: the remainder of `data` divided by `generator`.
    static func remainder(of data: [UInt8], generator: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: generator.count)
        for byte in data {
            let factor = byte ^ result.removeFirst()
            result.append(0)
            for index in result.indices { result[index] ^= multiply(generator[index], factor) }
        }
        return result
    }

    /// The product in GF(2^8), Russian-peasant style.
    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var product = 0
        for bit in stride(from: 7, through: 0, by: -1) {
            product = (product << 1) ^ ((product >> 7) * 0x11D)
            product ^= Int((y >> UInt8(bit)) & 1) * Int(x)
        }
        return UInt8(product)
    }
}

// MARK: - The module matrix

/// The symbol while it is drawn: modules, and which of them belong to function patterns.
private struct QRMatrix {
    let version: Int
    let size: Int
    /// Row after row, `true` for dark.
    private(set) var modules: [Bool]
    /// Finder, timing, alignment, format and version modules: neither data nor masked.
    private var isFunction: [Bool]

    init(version: Int) {
        self.version = version
        size = version * 4 + 17
        modules = Array(repeating: false, count: size * size)
        isFunction = Array(repeating: false, count: size * size)
    }

    subscript(x: Int, y: Int) -> Bool { modules[y * size + x] }

    private mutating func setFunctionModule(x: Int, y: Int, dark: Bool) {
        modules[y * size + x] = dark
        isFunction[y * size + x] = true
    }

    /// Timing, finder and alignment patterns, a placeholder format area and the version information.
    mutating func drawFunctionPatterns() {
        for index in 0..<size {
            setFunctionModule(x: 6, y: index, dark: index % 2 == 0)
            setFunctionModule(x: index, y: 6, dark: index % 2 == 0)
        }
        drawFinderPattern(centerX: 3, centerY: 3)
        drawFinderPattern(centerX: size - 4, centerY: 3)
        drawFinderPattern(centerX: 3, centerY: size - 4)
        let positions = alignmentPatternPositions()
        let last = positions.count - 1
        for (i, x) in positions.enumerated() {
            for (j, y) in positions.enumerated() where !((i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0)) {
                drawAlignmentPattern(centerX: x, centerY: y)
            }
        }
        drawFormatBits(mask: 0)
        drawVersionInformation()
    }

    /// A 7×7 finder with its light separator, clipped at the symbol's edge.
    private mutating func drawFinderPattern(centerX: Int, centerY: Int) {
        for dy in -4...4 {
            for dx in -4...4 {
                let x = centerX + dx, y = centerY + dy
                guard (0..<size).contains(x), (0..<size).contains(y) else { continue }
                let distance = max(abs(dx), abs(dy))
                setFunctionModule(x: x, y: y, dark: distance != 2 && distance != 4)
            }
        }
    }

    /// A 5×5 alignment pattern: dark centre, light ring, dark ring.
    private mutating func drawAlignmentPattern(centerX: Int, centerY: Int) {
        for dy in -2...2 {
            for dx in -2...2 {
                setFunctionModule(x: centerX + dx, y: centerY + dy, dark: max(abs(dx), abs(dy)) != 1)
            }
        }
    }

    /// The centre coordinates of alignment patterns in this version, ascending (none in version 1).
    func alignmentPatternPositions() -> [Int] {
        guard version > 1 else { return [] }
        let count = version / 7 + 2
        let step = (version * 8 + count * 3 + 5) / (count * 4 - 4) * 2
        let tail = (0..<count - 1).map { size - 7 - $0 * step }
        return [6] + tail.reversed()
    }

    /// The 15 format bits (level M, `mask`) in both copies, plus the always-dark module.
    mutating func drawFormatBits(mask: Int) {
        let data = 0b00 << 3 | mask  // Level M's indicator is 00.
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        let bits = (data << 10 | remainder) ^ 0x5412
        func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
        for index in 0...5 { setFunctionModule(x: 8, y: index, dark: bit(index)) }
        setFunctionModule(x: 8, y: 7, dark: bit(6))
        setFunctionModule(x: 8, y: 8, dark: bit(7))
        setFunctionModule(x: 7, y: 8, dark: bit(8))
        for index in 9..<15 { setFunctionModule(x: 14 - index, y: 8, dark: bit(index)) }
        for index in 0..<8 { setFunctionModule(x: size - 1 - index, y: 8, dark: bit(index)) }
        for index in 8..<15 { setFunctionModule(x: 8, y: size - 15 + index, dark: bit(index)) }
        setFunctionModule(x: 8, y: size - 8, dark: true)
    }

    /// The two 6×3 blocks of version information, from version 7 on.
    private mutating func drawVersionInformation() {
        guard version >= 7 else { return }
        var remainder = version
        for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
        let bits = version << 12 | remainder
        for index in 0..<18 {
            let dark = (bits >> index) & 1 == 1
            let a = size - 11 + index % 3, b = index / 3
            setFunctionModule(x: a, y: b, dark: dark)
            setFunctionModule(x: b, y: a, dark: dark)
        }
    }

    /// Places the codewords' bits in the zigzag of two-module columns, right to left, skipping the
    /// vertical timing column and every function module.
    mutating func drawCodewords(_ codewords: [UInt8]) {
        var bitIndex = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = (right + 1) & 2 == 0
            for step in 0..<size {
                let y = upward ? size - 1 - step : step
                for x in [right, right - 1] where !isFunction[y * size + x] && bitIndex < codewords.count * 8 {
                    modules[y * size + x] = (codewords[bitIndex >> 3] >> (7 - UInt8(bitIndex & 7))) & 1 == 1
                    bitIndex += 1
                }
            }
            right -= 2
        }
    }

    /// Tries the eight masks, keeps the one with the lowest penalty and returns its number.
    mutating func applyBestMask() -> Int {
        var best = (mask: 0, penalty: Int.max)
        for mask in 0..<8 {
            applyMask(mask)
            drawFormatBits(mask: mask)
            let penalty = penaltyScore()
            if penalty < best.penalty { best = (mask, penalty) }
            applyMask(mask)  // XOR again: undone.
        }
        applyMask(best.mask)
        drawFormatBits(mask: best.mask)
        return best.mask
    }

    /// Flips the data modules selected by mask pattern `mask`; applying it twice undoes it.
    private mutating func applyMask(_ mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] && Self.maskSelects(mask, x: x, y: y) {
                modules[y * size + x].toggle()
            }
        }
    }

    private static func maskSelects(_ mask: Int, x: Int, y: Int) -> Bool {
        switch mask {
        case 0: (x + y) % 2 == 0
        case 1: y % 2 == 0
        case 2: x % 3 == 0
        case 3: (x + y) % 3 == 0
        case 4: (x / 3 + y / 2) % 2 == 0
        case 5: x * y % 2 + x * y % 3 == 0
        case 6: (x * y % 2 + x * y % 3) % 2 == 0
        default: ((x + y) % 2 + x * y % 3) % 2 == 0
        }
    }

    /// The standard's penalty: runs of five or more, 2×2 blocks, finder-like patterns, dark/light balance.
    func penaltyScore() -> Int {
        var result = 0
        for y in 0..<size { result += linePenalty((0..<size).map { self[$0, y] }) }
        for x in 0..<size { result += linePenalty((0..<size).map { self[x, $0] }) }
        for y in 0..<size - 1 {
            for x in 0..<size - 1 {
                let color = self[x, y]
                if color == self[x + 1, y] && color == self[x, y + 1] && color == self[x + 1, y + 1] { result += 3 }
            }
        }
        let dark = modules.count(where: { $0 })
        let total = size * size
        let deviationSteps = (abs(dark * 20 - total * 10) + total - 1) / total - 1
        return result + deviationSteps * 10
    }

    /// Rules 1 and 3 for one row or column: 3 + (length − 5) per same-colour run of five or more, and 40
    /// per 1:1:3:1:1 finder-like pattern with four light modules on either side (the quiet zone counts).
    private func linePenalty(_ line: [Bool]) -> Int {
        var result = 0
        var runColor = false
        var runLength = 0
        var history = FinderRunHistory(size: size)
        for dark in line {
            if dark == runColor {
                runLength += 1
                if runLength == 5 { result += 3 } else if runLength > 5 { result += 1 }
            } else {
                history.add(runLength)
                if !runColor { result += history.finderLikePatterns() * 40 }
                runColor = dark
                runLength = 1
            }
        }
        return result + history.terminate(runColor: runColor, runLength: runLength) * 40
    }
}

/// The last seven run lengths of a line, newest first, for spotting finder-like patterns.
private struct FinderRunHistory {
    let size: Int
    private var runs = [Int](repeating: 0, count: 7)

    init(size: Int) { self.size = size }

    /// Pushes a finished run; the first run of a line also counts the light quiet zone before it.
    mutating func add(_ length: Int) {
        let length = runs[0] == 0 ? length + size : length
        runs.removeLast()
        runs.insert(length, at: 0)
    }

    /// How many light–dark–light–dark–light patterns in ratio 1:1:3:1:1 end here, with a light run of
    /// four times the unit before or after.
    func finderLikePatterns() -> Int {
        let unit = runs[1]
        let core = unit > 0 && runs[2] == unit && runs[3] == unit * 3 && runs[4] == unit && runs[5] == unit
        return (core && runs[0] >= unit * 4 && runs[6] >= unit ? 1 : 0)
            + (core && runs[6] >= unit * 4 && runs[0] >= unit ? 1 : 0)
    }

    /// Ends the line: closes the last run, adds the light quiet zone after it and counts patterns.
    mutating func terminate(runColor: Bool, runLength: Int) -> Int {
        var length = runLength
        if runColor {
            add(length)
            length = 0
        }
        add(length + size)
        return finderLikePatterns()
    }
}
