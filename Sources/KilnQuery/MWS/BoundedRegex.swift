/// A regular-expression engine whose running time is bounded: patterns compile to a small program that runs as a
/// Pike VM (every thread advanced in lock step), so matching costs at most text length × program size, whatever the
/// pattern. No backtracking, so no catastrophic backtracking (`(a+)+$` on a long run of `a`s is as cheap as `a`).
///
/// The syntax is the usual subset: literals, `.`, classes `[a-z]` and `[^…]`, escapes `\d \w \s \D \W \S` and escaped
/// punctuation, groups `(…)` and `(?:…)`, alternation `|`, quantifiers `* + ? {n} {n,} {n,m}` (a trailing `?` for
/// laziness is accepted; it cannot change whether a string matches), and anchors `^ $`. Back-references and
/// look-arounds are refused: they are what makes other engines exponential.
public struct BoundedRegex: Sendable {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var offset: Int
        public var problem: String
        public var description: String { "\(problem) at character \(offset + 1) of the pattern" }
    }

    public static let maxPatternLength = 256
    public static let maxProgramSize = 4096
    public static let maxRepeat = 100

    enum Instruction: Sendable {
        case scalar(Unicode.Scalar)
        case any
        case set(CharacterSet, negated: Bool)
        case split(Int, Int)
        case jump(Int)
        case lineStart, lineEnd
        case match
    }

    /// A class of characters: ranges and named classes.
    struct CharacterSet: Sendable {
        var ranges: [ClosedRange<UInt32>] = []

        func contains(_ s: Unicode.Scalar, ignoringCase: Bool) -> Bool {
            if ranges.contains(where: { $0.contains(s.value) }) { return true }
            guard ignoringCase else { return false }
            for variant in BoundedRegex.caseVariants(s) where ranges.contains(where: { $0.contains(variant.value) }) {
                return true
            }
            return false
        }

        static let digits = CharacterSet(ranges: [48...57])
        static let word = CharacterSet(ranges: [48...57, 65...90, 95...95, 97...122])
        static let space = CharacterSet(ranges: [9...13, 32...32])
    }

    let program: [Instruction]
    let ignoringCase: Bool

    public init(_ pattern: String, ignoringCase: Bool = false) throws(Failure) {
        guard pattern.unicodeScalars.count <= Self.maxPatternLength else {
            throw Failure(
                offset: Self.maxPatternLength, problem: "the pattern is longer than \(Self.maxPatternLength) characters"
            )
        }
        var parser = Parser(Array(pattern.unicodeScalars))
        let node = try parser.parseAlternation()
        guard parser.index == parser.scalars.count else {
            throw Failure(offset: parser.index, problem: "unbalanced ')'")
        }
        var compiler = Compiler()
        try compiler.emit(node)
        compiler.program.append(.match)
        guard compiler.program.count <= Self.maxProgramSize else {
            throw Failure(offset: 0, problem: "the pattern is too complex (over \(Self.maxProgramSize) steps)")
        }
        program = compiler.program
        self.ignoringCase = ignoringCase
    }

    static func caseVariants(_ s: Unicode.Scalar) -> [Unicode.Scalar] {
        let lower = s.properties.lowercaseMapping.unicodeScalars
        let upper = s.properties.uppercaseMapping.unicodeScalars
        var out: [Unicode.Scalar] = []
        if lower.count == 1, let l = lower.first, l != s { out.append(l) }
        if upper.count == 1, let u = upper.first, u != s { out.append(u) }
        return out
    }

    /// Whether the pattern matches anywhere in `text` (as MongoDB's `$regex` does).
    public func matches(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        var current = ThreadList(size: program.count)
        var next = ThreadList(size: program.count)
        for position in 0...scalars.count {
            // A new thread at every position: the search is unanchored unless the pattern says `^`.
            if add(0, position: position, scalars: scalars, to: &current) { return true }
            guard position < scalars.count else { break }
            let scalar = scalars[position]
            next.clear()
            for pc in current.items {
                let advance: Bool =
                    switch program[pc] {
                    case .scalar(let s): s == scalar || (ignoringCase && Self.caseVariants(s).contains(scalar))
                    case .any: scalar != "\n"
                    case .set(let set, let negated): set.contains(scalar, ignoringCase: ignoringCase) != negated
                    default: false
                    }
                if advance, add(pc + 1, position: position + 1, scalars: scalars, to: &next) { return true }
            }
            swap(&current, &next)
        }
        return false
    }

    /// Adds a thread and follows its jumps and assertions; true when it reaches `match`.
    private func add(_ pc: Int, position: Int, scalars: [Unicode.Scalar], to list: inout ThreadList) -> Bool {
        var stack = [pc]
        while let pc = stack.popLast() {
            guard list.insert(pc) else { continue }
            switch program[pc] {
            case .match: return true
            case .jump(let target): stack.append(target)
            case .split(let a, let b):
                stack.append(b)
                stack.append(a)
            case .lineStart: if position == 0 || scalars[position - 1] == "\n" { stack.append(pc + 1) }
            case .lineEnd: if position == scalars.count || scalars[position] == "\n" { stack.append(pc + 1) }
            default: break
            }
        }
        return false
    }

    /// A sparse set of program counters: constant-time insert and clear.
    struct ThreadList {
        var dense: [Int]
        var sparse: [Int]
        var count = 0

        init(size: Int) {
            dense = Array(repeating: 0, count: size)
            sparse = Array(repeating: 0, count: size)
        }

        mutating func insert(_ pc: Int) -> Bool {
            let slot = sparse[pc]
            if slot < count, dense[slot] == pc { return false }
            sparse[pc] = count
            dense[count] = pc
            count += 1
            return true
        }

        mutating func clear() { count = 0 }

        var items: ArraySlice<Int> { dense[..<count] }
    }

    indirect enum Node {
        case empty
        case scalar(Unicode.Scalar)
        case any
        case set(CharacterSet, negated: Bool)
        case lineStart, lineEnd
        case concat([Node])
        case alternate([Node])
        case repeated(Node, min: Int, max: Int?)
    }

    struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0
        var depth = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        func fail(_ problem: String) -> Failure { Failure(offset: index, problem: problem) }

        var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        mutating func parseAlternation() throws(Failure) -> Node {
            var branches = [try parseConcat()]
            while peek == "|" {
                index += 1
                branches.append(try parseConcat())
            }
            return branches.count == 1 ? branches[0] : .alternate(branches)
        }

        mutating func parseConcat() throws(Failure) -> Node {
            var items: [Node] = []
            while let s = peek, s != "|", s != ")" {
                var atom = try parseAtom()
                atom = try parseQuantifiers(atom)
                items.append(atom)
            }
            return items.count == 1 ? items[0] : (items.isEmpty ? .empty : .concat(items))
        }

        mutating func parseQuantifiers(_ atom: Node) throws(Failure) -> Node {
            var node = atom
            while let s = peek {
                let start = index
                var bounds: (Int, Int?)
                switch s {
                case "*":
                    bounds = (0, nil)
                    index += 1
                case "+":
                    bounds = (1, nil)
                    index += 1
                case "?":
                    bounds = (0, 1)
                    index += 1
                case "{":
                    guard let counted = try parseCount() else { return node }
                    bounds = counted
                default: return node
                }
                if case .lineStart = node { throw Failure(offset: start, problem: "nothing to repeat") }
                if case .lineEnd = node { throw Failure(offset: start, problem: "nothing to repeat") }
                if case .repeated = node, peek != "?" && s != "{" {
                    // `a**` is legal nowhere useful; refuse it as most engines do.
                    throw Failure(offset: start, problem: "a quantifier after a quantifier")
                }
                if peek == "?" { index += 1 }
                node = .repeated(node, min: bounds.0, max: bounds.1)
            }
            return node
        }

        /// `{n}`, `{n,}`, `{n,m}`; nil (and nothing consumed) when the brace is a literal.
        mutating func parseCount() throws(Failure) -> (Int, Int?)? {
            let start = index
            index += 1
            func number(_ p: inout Parser) -> Int? {
                var text = ""
                while let s = p.peek, ("0"..."9").contains(s) {
                    text.unicodeScalars.append(s)
                    p.index += 1
                }
                return text.isEmpty ? nil : Int(text.prefix(6))
            }
            guard let low = number(&self) else {
                index = start
                return nil
            }
            var high: Int? = low
            if peek == "," {
                index += 1
                high = number(&self)
            }
            guard peek == "}" else {
                index = start
                return nil
            }
            index += 1
            guard low <= BoundedRegex.maxRepeat, (high ?? low) <= BoundedRegex.maxRepeat else {
                throw Failure(offset: start, problem: "a repeat count over \(BoundedRegex.maxRepeat)")
            }
            if let high, high < low {
                throw Failure(offset: start, problem: "a repeat range whose maximum is below its minimum")
            }
            return (low, high)
        }

        mutating func parseAtom() throws(Failure) -> Node {
            let s = scalars[index]
            switch s {
            case "(":
                index += 1
                if peek == "?" {
                    guard index + 1 < scalars.count, scalars[index + 1] == ":" else {
                        throw fail("look-arounds and other (? groups are not supported")
                    }
                    index += 2
                }
                depth += 1
                guard depth <= 32 else { throw fail("groups nested deeper than 32") }
                let inner = try parseAlternation()
                guard peek == ")" else { throw fail("unbalanced '('") }
                index += 1
                depth -= 1
                // A group is an atom of its own: `(a+)+` repeats the group, which is not `a++`.
                return .concat([inner])
            case ".":
                index += 1
                return .any
            case "^":
                index += 1
                return .lineStart
            case "$":
                index += 1
                return .lineEnd
            case "[": return try parseClass()
            case "\\":
                index += 1
                guard let e = peek else { throw fail("a pattern ends in '\\'") }
                index += 1
                if let named = Self.namedClass(e) { return named }
                if ("1"..."9").contains(e) {
                    throw Failure(offset: index - 2, problem: "back-references are not supported")
                }
                if let control = Self.control(e) { return .scalar(control) }
                guard !e.properties.isAlphabetic else {
                    throw Failure(offset: index - 2, problem: "unknown escape \\\(e)")
                }
                return .scalar(e)
            case "*", "+", "?": throw fail("nothing to repeat")
            default:
                index += 1
                return .scalar(s)
            }
        }

        static func namedClass(_ e: Unicode.Scalar) -> Node? {
            switch e {
            case "d": .set(.digits, negated: false)
            case "D": .set(.digits, negated: true)
            case "w": .set(.word, negated: false)
            case "W": .set(.word, negated: true)
            case "s": .set(.space, negated: false)
            case "S": .set(.space, negated: true)
            default: nil
            }
        }

        static func control(_ e: Unicode.Scalar) -> Unicode.Scalar? {
            switch e {
            case "n": "\n"
            case "t": "\t"
            case "r": "\r"
            default: nil
            }
        }

        mutating func parseClass() throws(Failure) -> Node {
            let start = index
            index += 1
            var negated = false
            if peek == "^" {
                negated = true
                index += 1
            }
            var set = CharacterSet()
            var first = true
            while let s = peek, s != "]" || first {
                first = false
                index += 1
                var low = s
                if s == "\\" {
                    guard let e = peek else { break }
                    index += 1
                    if case .set(let named, false)? = Self.namedClass(e) {
                        set.ranges += named.ranges
                        continue
                    }
                    if Self.namedClass(e) != nil {
                        throw Failure(offset: index - 2, problem: "a negated class inside [ ] is not supported")
                    }
                    low = Self.control(e) ?? e
                }
                if peek == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                    index += 1
                    var high = scalars[index]
                    index += 1
                    if high == "\\", let e = peek {
                        index += 1
                        high = Self.control(e) ?? e
                    }
                    guard low.value <= high.value else {
                        throw Failure(offset: index - 1, problem: "a class range out of order")
                    }
                    set.ranges.append(low.value...high.value)
                } else {
                    set.ranges.append(low.value...low.value)
                }
            }
            guard peek == "]" else { throw Failure(offset: start, problem: "unbalanced '['") }
            index += 1
            return .set(set, negated: negated)
        }
    }

    struct Compiler {
        var program: [Instruction] = []

        mutating func emit(_ node: Node) throws(Failure) {
            guard program.count <= BoundedRegex.maxProgramSize else {
                throw Failure(
                    offset: 0, problem: "the pattern is too complex (over \(BoundedRegex.maxProgramSize) steps)")
            }
            switch node {
            case .empty: break
            case .scalar(let s): program.append(.scalar(s))
            case .any: program.append(.any)
            case .set(let set, let negated): program.append(.set(set, negated: negated))
            case .lineStart: program.append(.lineStart)
            case .lineEnd: program.append(.lineEnd)
            case .concat(let items): for item in items { try emit(item) }
            case .alternate(let branches):
                var jumps: [Int] = []
                for (i, branch) in branches.enumerated() {
                    if i < branches.count - 1 {
                        let split = program.count
                        program.append(.split(split + 1, 0))
                        try emit(branch)
                        jumps.append(program.count)
                        program.append(.jump(0))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        try emit(branch)
                    }
                }
                for jump in jumps { program[jump] = .jump(program.count) }
            case .repeated(let inner, let min, let max):
                for _ in 0..<min { try emit(inner) }
                if let max {
                    // Optional copies: each may be skipped to the end.
                    var splits: [Int] = []
                    for _ in min..<max {
                        splits.append(program.count)
                        program.append(.split(program.count + 1, 0))
                        try emit(inner)
                    }
                    for split in splits { program[split] = .split(split + 1, program.count) }
                } else {
                    let loop = program.count
                    program.append(.split(loop + 1, 0))
                    try emit(inner)
                    program.append(.jump(loop))
                    program[loop] = .split(loop + 1, program.count)
                }
            }
        }
    }
}
