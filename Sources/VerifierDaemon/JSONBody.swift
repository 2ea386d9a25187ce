// Request bodies read strictly: an object, known fields only, each of the right type, with clear errors.
import Foundation
import VerifierAPI

/// A JSON object from a request body, read field by field.
package struct JSONBody {
    package let fields: [String: Any]

    /// Parses `data` as one JSON object whose keys are all in `allowed`.
    package init(_ data: Data, allowed: [String], requireBody: Bool = true) throws(APIError) {
        if data.isEmpty || data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard !requireBody else { throw APIError(.invalidJSON, "the request needs a JSON object body") }
            fields = [:]
            return
        }
        // Foundation's parser refuses nesting deeper than 512 levels itself, with an error.
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw APIError(.invalidJSON, "the body is not valid JSON: \(Self.describe(error))")
        }
        guard let dictionary = object as? [String: Any] else {
            throw APIError(.invalidJSON, "the body must be a JSON object, like {\"name\": \"example.com\"}")
        }
        if let unknown = dictionary.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError(.validationError, "unknown field \"\(unknown.prefix(64))\"; the fields are \(allowed.joined(separator: ", "))")
        }
        fields = dictionary
    }

    package func string(_ key: String) throws(APIError) -> String? {
        guard let value = fields[key], !(value is NSNull) else { return nil }
        guard let text = value as? String else { throw APIError(.validationError, "\(key) must be a string") }
        return text
    }

    package func bool(_ key: String) throws(APIError) -> Bool? {
        guard let value = fields[key], !(value is NSNull) else { return nil }
        // NSNumber bridges booleans and numbers: only JSON true and false (type code "c") pass.
        guard let number = value as? NSNumber, Self.isBoolean(number) else {
            throw APIError(.validationError, "\(key) must be true or false")
        }
        return number.boolValue
    }

    package func integer(_ key: String) throws(APIError) -> Int? {
        guard let value = fields[key], !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber, !Self.isBoolean(number),
              let integer = Int(exactly: number.doubleValue) else {
            throw APIError(.validationError, "\(key) must be an integer")
        }
        return integer
    }

    private static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    private static func describe(_ error: any Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        return String(text.prefix(200))
    }
}
