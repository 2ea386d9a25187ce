// The store's one error type: what failed, on which database, and SQLite's reason.
import GRDB

/// A store operation failed. `message` names the operation and the database's reason.
public struct StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// A unique constraint refused the write (a second domain with the same name).
        case conflict
        /// The disk is full: reads still work, writes fail until space returns.
        case diskFull
        /// The file is not a database, or it is damaged.
        case corrupt
        /// The database or its directory is read-only.
        case readOnly
        /// Another process holds the database.
        case locked
        /// Anything else.
        case other
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// Wraps any error thrown while doing `operation`.
    static func wrap(_ error: any Error, _ operation: String) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let dbError = error as? DatabaseError else {
            return StoreError(.other, "\(operation) failed: \(error)")
        }
        let reason = dbError.message ?? "\(dbError.resultCode)"
        switch dbError.resultCode.primaryResultCode {
        case .SQLITE_CONSTRAINT where dbError.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE:
            return StoreError(.conflict, "\(operation) failed: \(reason)")
        case .SQLITE_FULL:
            return StoreError(.diskFull, "\(operation) failed: the disk holding the database is full (\(reason)); free some space")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return StoreError(.corrupt, "\(operation) failed: the database is damaged or not a database (\(reason))")
        case .SQLITE_READONLY, .SQLITE_CANTOPEN where dbError.extendedResultCode == .SQLITE_READONLY:
            return StoreError(.readOnly, "\(operation) failed: the database is read-only (\(reason))")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError(.locked, "\(operation) failed: the database is locked by another connection (\(reason))")
        default:
            return StoreError(.other, "\(operation) failed: \(reason)")
        }
    }
}
