import ArgumentParser
import KilnSpec

/// `kiln schema`: prints the JSON Schema of a kind (the files in `specs/` are its output).
struct Schema: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the JSON Schema (draft 2020-12) of a kind: imagebuild, image or virtualmachine.")

    @Argument(help: "imagebuild, image or virtualmachine.")
    var kind: String

    func run() async throws {
        guard let kind = Kind(slug: kind) else {
            throw ValidationError("unknown kind \(self.kind) (use imagebuild, image or virtualmachine)")
        }
        Output.out(JSONSchemaWriter.document(kind).prettyJSON)
    }
}
