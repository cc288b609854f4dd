import KilnSpec

/// Renders a ``ChangePreview`` as text (optionally coloured), JSON (schema: `specs/plan.schema.json`) or Markdown
/// (a pull-request comment: a summary table, then details in collapsible sections).
public enum PreviewRenderer {
    public static func summary(_ preview: ChangePreview) -> [(String, Int)] {
        var counts: [(String, Int)] = []
        for type in [ChangePreview.ChangeType.create, .update, .delete] {
            let n = preview.changes.filter { $0.type == type }.count
            if n > 0 { counts.append((type.rawValue, n)) }
        }
        var actions: [String: Int] = [:]
        var order: [String] = []
        for c in preview.consequences {
            if actions[c.action] == nil { order.append(c.action) }
            actions[c.action, default: 0] += 1
        }
        return counts + order.map { ($0, actions[$0]!) }
    }

    static func summaryLine(_ preview: ChangePreview) -> String {
        let parts = summary(preview).map { "\($0.1) \($0.0)" }
        return parts.isEmpty ? "no changes" : parts.joined(separator: ", ")
    }

    static func revision(_ r: Revision?) -> String {
        guard let r else { return "(nothing)" }
        return r.id.count > 12 ? String(r.id.prefix(12)) : r.id
    }

    static func value(_ v: SpecValue?) -> String {
        v.map(\.canonicalJSON) ?? "(unset)"
    }

    // MARK: text

    public static func text(_ preview: ChangePreview, color: Bool) -> String {
        func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
        var lines: [String] = []
        var head = "Plan: \(revision(preview.from)) → \(revision(preview.to))"
        if let to = preview.to { head += " by \(to.author): \(to.summary)" }
        lines.append(color ? paint(head, "1") : head)
        if let d = preview.destructive {
            lines.append(paint("DESTRUCTIVE: \(d.why)", "1;31"))
            lines.append("  would delete: " + d.deletions.map(\.description).joined(separator: ", "))
            lines.append(
                "  Kiln refuses to apply it without --allow-destructive or a 'Kiln-Allow-Destructive: true' commit trailer."
            )
        }
        if preview.isEmpty {
            lines.append("No changes.")
            return lines.joined(separator: "\n") + "\n"
        }
        for change in preview.changes {
            switch change.type {
            case .create: lines.append(paint("  + create \(change.key)", "32") + "  (\(change.location))")
            case .delete: lines.append(paint("  - delete \(change.key)", "31") + "  (was \(change.location))")
            case .update:
                lines.append(paint("  ~ update \(change.key)", "33") + "  (\(change.location))")
                for field in change.fields {
                    lines.append("      \(field.path): \(value(field.old)) → \(value(field.new))")
                }
            }
        }
        if !preview.consequences.isEmpty {
            lines.append("Then:")
            for c in preview.consequences {
                lines.append(paint("  » \(c.action) \(c.key)", "36") + ": \(c.reason)")
            }
        }
        lines.append("Summary: \(summaryLine(preview))")
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: JSON

    /// The stable JSON form; `specs/plan.schema.json` documents it.
    public static func json(_ preview: ChangePreview) -> SpecValue {
        func rev(_ r: Revision?) -> SpecValue {
            guard let r else { return .null }
            return .object([
                "commit": .string(r.id), "author": .string(r.author), "email": .string(r.email),
                "message": .string(r.message), "time": .int(Int(r.time))
            ])
        }
        func optional(_ v: SpecValue?) -> SpecValue { v ?? .null }
        let changes = preview.changes.map { c in
            SpecValue.object([
                "kind": .string(c.key.kind.rawValue), "name": .string(c.key.name), "change": .string(c.type.rawValue),
                "location": .string(c.location),
                "fields": .list(
                    c.fields.map { f in
                        .object(["path": .string(f.path), "old": optional(f.old), "new": optional(f.new)])
                    })
            ])
        }
        let consequences = preview.consequences.map { c in
            SpecValue.object([
                "kind": .string(c.key.kind.rawValue), "name": .string(c.key.name),
                "action": .string(c.action), "reason": .string(c.reason)
            ])
        }
        let destructive: SpecValue =
            preview.destructive.map { d in
                .object(["reason": .string(d.why), "deletions": .list(d.deletions.map { .string($0.description) })])
            } ?? .null
        return .object([
            "kilnPlanVersion": .int(1),
            "from": rev(preview.from),
            "to": rev(preview.to),
            "empty": .bool(preview.isEmpty),
            "summary": .object(Dictionary(uniqueKeysWithValues: summary(preview).map { ($0.0, SpecValue.int($0.1)) })),
            "changes": .list(changes),
            "consequences": .list(consequences),
            "destructive": destructive
        ])
    }

    // MARK: Markdown

    static func cell(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    static func code(_ s: String) -> String {
        let body = cell(s).replacingOccurrences(of: "`", with: "ˋ")
        return "`\(body)`"
    }

    public static func markdown(_ preview: ChangePreview) -> String {
        var out: [String] = []
        out.append("### Kiln plan: \(code(revision(preview.from))) → \(code(revision(preview.to)))")
        out.append("")
        if let d = preview.destructive {
            out.append("> [!CAUTION]")
            out.append(
                "> **DESTRUCTIVE**: \(cell(d.why)). Would delete: \(d.deletions.map { code($0.description) }.joined(separator: ", "))."
            )
            out.append(
                "> Kiln refuses to apply this without `--allow-destructive` or a `Kiln-Allow-Destructive: true` commit trailer."
            )
            out.append("")
        }
        if preview.isEmpty {
            out.append("No changes.")
            return out.joined(separator: "\n") + "\n"
        }
        out.append("**Summary:** \(summaryLine(preview))")
        out.append("")
        if !preview.changes.isEmpty {
            out.append("| | Object | Change | Where |")
            out.append("|---|---|---|---|")
            for c in preview.changes {
                let icon =
                    switch c.type {
                    case .create: "➕"
                    case .update: "✏️"
                    case .delete: "➖"
                    }
                out.append("| \(icon) | \(code(c.key.description)) | \(c.type.rawValue) | \(code(c.location)) |")
            }
            out.append("")
        }
        if !preview.consequences.isEmpty {
            out.append("**Then:**")
            out.append("")
            out.append("| Object | Action | Why |")
            out.append("|---|---|---|")
            for c in preview.consequences {
                out.append("| \(code(c.key.description)) | \(c.action) | \(cell(c.reason)) |")
            }
            out.append("")
        }
        for c in preview.changes where !c.fields.isEmpty {
            out.append(
                "<details><summary>\(c.type.rawValue) <code>\(c.key)</code> (\(c.fields.count) field\(c.fields.count == 1 ? "" : "s"))</summary>"
            )
            out.append("")
            out.append("| Field | Before | After |")
            out.append("|---|---|---|")
            for f in c.fields {
                out.append(
                    "| \(code(f.path)) | \(f.old.map { code($0.canonicalJSON) } ?? "–") | \(f.new.map { code($0.canonicalJSON) } ?? "–") |"
                )
            }
            out.append("")
            out.append("</details>")
            out.append("")
        }
        return out.joined(separator: "\n")
    }
}
