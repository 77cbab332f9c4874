import Foundation
import GRDB

/// Text bound to and read from SQLite with every byte, NUL characters included.
///
/// GRDB hands a `String` to SQLite and back as a C string, which ends at the first NUL: `"ctl\u{0}nul"` would be
/// stored as `"ctl"`. Text holding a NUL is bound as a blob instead (a blob is bound with its length) and turned
/// back into text by SQL (`CAST(? AS TEXT)` keeps every byte), so it is stored, compared and ordered as the text it
/// is. Text columns are read back cast to blobs (`Schema.selectList`) for the same reason.
enum SQLiteText {
    /// The placeholder for a value made by `value(_:)`; for a value without a NUL the cast changes nothing.
    static let placeholder = "CAST(? AS TEXT)"

    /// The value to bind for `text` at a `placeholder`. Text without a NUL is bound as text: an empty blob would be
    /// bound as NULL, and text is the cheaper binding anyway.
    static func value(_ text: String) -> DatabaseValue {
        text.utf8.contains(0) ? Data(text.utf8).databaseValue : text.databaseValue
    }

    /// For SQL written per query (filters): the placeholder and the value for `text`. Text without a NUL keeps a
    /// plain `?`, so that SQLite still serves a GLOB prefix from its index.
    static func argument(_ text: String) -> (placeholder: String, value: DatabaseValue) {
        text.utf8.contains(0) ? (placeholder, Data(text.utf8).databaseValue) : ("?", text.databaseValue)
    }

    /// `column` as the select list reads a text column: its bytes, every one of them.
    static func selected(_ column: String) -> String {
        "CAST(\"\(column)\" AS BLOB)"
    }

    /// The text of a column read with `selected(_:)`: nil for NULL; an error for bytes that are no UTF-8 or a
    /// value that is no text at all (a database edited by hand).
    static func text(_ stored: DatabaseValue) throws -> String? {
        switch stored.storage {
        case .null:
            return nil
        case .string(let text):
            return text
        case .blob(let bytes):
            guard let text = String(validating: bytes, as: UTF8.self) else { throw StorageError("text that is not UTF-8") }
            return text
        case .int64, .double:
            throw StorageError("a number where text belongs")
        }
    }
}
