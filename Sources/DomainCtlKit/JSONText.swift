// The daemon's JSON as --json prints it: pretty-printed, and pages of a list joined into one list.
import Foundation

/// Prints API JSON for scripts.
public enum JSONText {
    /// `data` indented with sorted keys; the text as it came when it is not JSON.
    public static func pretty(_ data: Data) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
              let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        else { return String(decoding: data, as: UTF8.self) }
        return String(decoding: pretty, as: UTF8.self)
    }

    /// One `{"object":"list","has_more":…,"data":[…]}` holding the first `limit` items of `pages`' data,
    /// each item exactly as the daemon sent it.
    public static func joinedList(_ pages: [Data], limit: Int = .max, hasMore: Bool) -> Data {
        let items = pages.flatMap { page -> [Any] in
            let object = try? JSONSerialization.jsonObject(with: page) as? [String: Any]
            return object?["data"] as? [Any] ?? []
        }
        let list: [String: Any] = ["object": "list", "has_more": hasMore, "data": Array(items.prefix(limit))]
        return (try? JSONSerialization.data(withJSONObject: list)) ?? Data()
    }
}
