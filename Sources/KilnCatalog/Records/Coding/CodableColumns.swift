import Foundation

/// Lists inside a column (a refusal's errors and deletions, a tombstone's moved paths) are JSON text, sorted keys, as
/// GRDB writes them for the records it stores through its own Codable path; with these, the catalog coders read and
/// write those records too (PostgreSQL reads every table through them).
extension Array: JSONColumn where Element: Codable {
    public init(columnJSON: String) throws {
        do {
            self = try JSONDecoder().decode([Element].self, from: Data(columnJSON.utf8))
        } catch {
            throw CatalogCodingError(
                column: "[\(Element.self)]", problem: "the stored text is not a JSON list of \(Element.self): \(error)")
        }
    }

    public var columnJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "[]"
    }
}

extension SyncRecord.RefusalReason: TextColumn {}
extension InventoryItem.ItemType: TextColumn {}
