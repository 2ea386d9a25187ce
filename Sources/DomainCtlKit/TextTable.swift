// Aligned plain-text tables for terminals and pipes alike: no colours, no box drawing.

/// Rows under a header, each column as wide as its widest cell, columns two spaces apart.
public struct TextTable: Equatable, Sendable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]] = []) {
        self.header = header
        self.rows = rows
    }

    /// The lines, header first; no line ends in blanks.
    public func lines() -> [String] {
        let all = [header] + rows
        let columns = all.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in
            all.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
        }
        return all.map { row in
            let cells = row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column])
            }
            let line = cells.joined(separator: "  ")
            return String(line.reversed().drop(while: { $0 == " " }).reversed())
        }
    }
}

extension String {
    /// Pads with spaces to `length` characters; longer strings stay as they are.
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }

    /// At most `length` characters, the last one "…" when something was cut.
    func shortened(to length: Int) -> String {
        count <= length ? self : String(prefix(length - 1)) + "…"
    }
}
