import KilnCatalog
import KilnSpec

/// Catalog images in the Deltacloud shape, as XML (the default, as the seed shows) or JSON (the real server's JSON:
/// `{"images": […]}` with the owner under `owner`, which the Python client reads).
public enum DeltacloudMapping {
    public static let driver = "kiln"
    public static let version = "1.0"

    /// The collections the entry point lists.
    static let collections = ["images"]

    /// Where the `create_instance` action points: Kiln makes VMs from git, so the link leads to the documentation
    /// of the VirtualMachine spec rather than pretending to accept a POST.
    static func createInstanceHref(_ base: String) -> String { "\(base)/kiln/v1/docs/virtualmachine" }

    struct Fields {
        var id: String
        var href: String
        var name: String
        var owner: String
        var description: String
        var architecture: String
        var state: String
    }

    static func fields(_ record: ImageRecord, base: String, defaultOwner: String) -> Fields {
        let spec = record.typed
        return Fields(
            id: record.name, href: "\(base)/api/images/\(record.name)", name: record.name,
            owner: spec.owner ?? defaultOwner, description: spec.description ?? record.name,
            architecture: spec.architecture, state: record.state.rawValue)
    }

    public static func entryXML(base: String) -> String {
        var out = "<?xml version='1.0' encoding='utf-8' ?>\n<api driver='\(driver)' version='\(version)'>\n"
        for name in collections {
            out += "  <link href='\(XMLText.escape("\(base)/api/\(name)"))' rel='\(name)'>\n  </link>\n"
        }
        return out + "</api>\n"
    }

    public static func entryJSON(base: String) -> SpecValue {
        .object([
            "api": .object([
                "driver": .string(driver), "version": .string(version),
                "links": .list(collections.map { .object(["rel": .string($0), "href": .string("\(base)/api/\($0)")]) })
            ])
        ])
    }

    static func imageXML(_ f: Fields, base: String) -> String {
        """
        <image href='\(XMLText.escape(f.href))' id='\(XMLText.escape(f.id))'>
          <name>\(XMLText.escape(f.name))</name>
          <owner_id>\(XMLText.escape(f.owner))</owner_id>
          <description>\(XMLText.escape(f.description))</description>
          <architecture>\(XMLText.escape(f.architecture))</architecture>
          <state>\(XMLText.escape(f.state))</state>
          <actions>
            <link href='\(XMLText.escape(createInstanceHref(base)))' method='post' rel='create_instance' />
          </actions>
        </image>

        """
    }

    static func imageJSON(_ f: Fields, base: String) -> SpecValue {
        .object([
            "id": .string(f.id), "href": .string(f.href), "name": .string(f.name), "owner": .string(f.owner),
            "description": .string(f.description), "architecture": .string(f.architecture), "state": .string(f.state),
            "actions": .list([
                .object([
                    "rel": .string("create_instance"), "method": .string("post"),
                    "href": .string(createInstanceHref(base))
                ])
            ])
        ])
    }

    public static func imagesXML(_ records: [ImageRecord], base: String, defaultOwner: String) -> String {
        "<?xml version='1.0' encoding='utf-8' ?>\n<images>\n"
            + records.map { imageXML(fields($0, base: base, defaultOwner: defaultOwner), base: base) }.joined()
            + "</images>\n"
    }

    public static func imagesJSON(_ records: [ImageRecord], base: String, defaultOwner: String) -> SpecValue {
        .object([
            "images": .list(records.map { imageJSON(fields($0, base: base, defaultOwner: defaultOwner), base: base) })
        ])
    }

    public static func imageXML(_ record: ImageRecord, base: String, defaultOwner: String) -> String {
        "<?xml version='1.0' encoding='utf-8' ?>\n"
            + imageXML(fields(record, base: base, defaultOwner: defaultOwner), base: base)
    }

    public static func imageJSON(_ record: ImageRecord, base: String, defaultOwner: String) -> SpecValue {
        .object(["image": imageJSON(fields(record, base: base, defaultOwner: defaultOwner), base: base)])
    }
}
