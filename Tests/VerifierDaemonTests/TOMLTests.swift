// The TOML reader: values, tables, the lines it remembers, and the errors it gives.
import Testing
@testable import VerifierDaemon

@Suite struct TOMLTests {
    @Test func readsEveryValueKind_withItsLine() throws {
        let document = try TOML.parse("""
            # a comment
            state_dir = "/var/lib/x"   # trailing comment
            [resolver]
            mode = 'forward'
            servers = [
              "127.0.0.1@5300",  # first
              "::1@53",
            ]
            timeout = "5s"
            [schedule]
            max_inflight_checks = 1_024
            ratio = 1.5
            enabled = true
            hex = 0xff
            inline = { a = 1, b = "two" }
            dotted.key = "yes"
            """)
        #expect(document["state_dir"] == TOMLValue(kind: .string("/var/lib/x"), line: 2))
        guard case let .table(resolver)? = document["resolver"]?.kind else { Issue.record("no resolver table"); return }
        #expect(resolver["mode"]?.kind == .string("forward"))
        #expect(resolver["mode"]?.line == 4)
        guard case let .array(servers)? = resolver["servers"]?.kind else { Issue.record("no servers"); return }
        #expect(servers.map(\.kind) == [.string("127.0.0.1@5300"), .string("::1@53")])
        #expect(resolver["servers"]?.line == 5)
        guard case let .table(schedule)? = document["schedule"]?.kind else { Issue.record("no schedule table"); return }
        #expect(schedule["max_inflight_checks"]?.kind == .integer(1024))
        #expect(schedule["ratio"]?.kind == .float(1.5))
        #expect(schedule["enabled"]?.kind == .boolean(true))
        #expect(schedule["hex"]?.kind == .integer(255))
        guard case let .table(inline)? = schedule["inline"]?.kind else { Issue.record("no inline table"); return }
        #expect(inline["b"]?.kind == .string("two"))
        guard case let .table(dotted)? = schedule["dotted"]?.kind else { Issue.record("no dotted table"); return }
        #expect(dotted["key"]?.kind == .string("yes"))
    }

    @Test(arguments: [
        (#"a = "tab\there \u00e9 \"q\"""#, "tab\there é \"q\""),
        ("a = '''\nline one\nline two'''", "line one\nline two"),
        ("a = \"\"\"\nx \\\n   y\"\"\"", "x y"),
        ("a = \"\"\"quoted \"\"\"\"\"", "quoted \"\""),
        (#"a = 'C:\path'"#, #"C:\path"#),
    ])
    func strings_decodeEscapesAndMultilineForms(source: String, expected: String) throws {
        #expect(try TOML.parse(source)["a"]?.kind == .string(expected))
    }

    @Test(arguments: [
        ("a = 1\na = 2", 2, "defined twice"),
        ("[t]\nx = 1\n[t]\ny = 2", 3, "defined twice"),
        ("a = \"unterminated", 1, "not closed"),
        ("a = 1 2", 1, "end of the line"),
        ("a = nope", 1, "strings need quotes"),
        ("\n\nb = [1, 2", 3, "not closed"),
        ("a = 007", 1, "leading zeros"),
        ("a = 1979-05-27", 1, "dates and times"),
        ("a = \"bad \\q escape\"", 1, "not a TOML escape"),
        ("[[tables]]", 1, "arrays of tables"),
        ("x.y = 1\n[x]\nz = 2", 2, "defined twice"),
        ("a = {b = 1, b = 2}", 1, "defined twice"),
        ("= 1", 1, "expected a key"),
    ])
    func errors_sayWhatAndWhichLine(source: String, line: Int, reason: String) {
        #expect {
            _ = try TOML.parse(source)
        } throws: { error in
            guard let error = error as? TOMLError else { return false }
            return error.line == line && error.reason.contains(reason)
        }
    }

    // Found by fuzzing (Fuzz/crashers/toml): the reader recursed once per "[" or "{" and overflowed the stack.
    @Test(arguments: [
        "a = " + String(repeating: "[", count: 100_000),
        "a = " + String(repeating: "{b = ", count: 50_000),
        "a = " + String(repeating: "[{c = ", count: 40),
    ])
    func deepNesting_isAnErrorNotACrash(source: String) {
        #expect {
            _ = try TOML.parse(source)
        } throws: { error in
            guard let error = error as? TOMLError else { return false }
            return error.line == 1 && error.reason.contains("nested more than 64 levels")
        }
    }

    @Test func nestingAtTheBound_isRead() throws {
        let source = "a = " + String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        var value = try #require(try TOML.parse(source)["a"])
        for _ in 1..<64 {
            guard case let .array(items) = value.kind, items.count == 1 else { Issue.record("not nested: \(value.kind)"); return }
            value = items[0]
        }
        #expect(value.kind == .array([]))
    }

    @Test func headerAfterNestedHeader_isAllowed() throws {
        let document = try TOML.parse("[a.b]\nx = 1\n[a]\ny = 2")
        guard case let .table(a)? = document["a"]?.kind else { Issue.record("no a"); return }
        #expect(a["y"]?.kind == .integer(2))
    }
}
