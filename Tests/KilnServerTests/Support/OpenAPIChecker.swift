import Foundation
import KilnTestSupport

/// Checks recorded answers against `specs/openapi.yaml` with the `jsonschema` package (draft 2020-12, formats
/// checked): that the operation and status are documented, that documented headers are sent with allowed values, and
/// that the body matches the media type's schema. It also lists every documented (path, method, status).
enum OpenAPIChecker {
    /// One answer of the server, to check.
    struct Exchange: Codable {
        var path: String
        var method: String
        var status: Int
        var contentType: String?
        var headers: [String: String]
        var body: String
    }

    struct Report: Decodable {
        var errors: [String]
        var documented: [String]
    }

    static func check(
        _ exchanges: [Exchange], document: String = Repo.path("specs/openapi.yaml")
    ) async throws -> Report {
        let python = try await ExternalTool.pythonWithJSONSchema()
        let folder = try TempFolder()
        let manifest = try folder.write("exchanges.json", JSONEncoder().encode(exchanges))
        let out = try await ExternalTool.run(python, ["-c", script, document, manifest])
        guard out.status == 0, let report = try? JSONDecoder().decode(Report.self, from: Data(out.stdout.utf8)) else {
            throw ExternalTool.Missing(description: "the checker failed (\(out.status)): \(out.stdout)\(out.stderr)")
        }
        return report
    }

    static let script = #"""
        import json, sys, yaml
        from jsonschema import Draft202012Validator, FormatChecker

        document = yaml.safe_load(open(sys.argv[1]))
        exchanges = json.load(open(sys.argv[2]))

        def escape(token):
            return token.replace("~", "~0").replace("/", "~1")

        def resolve(node, pointer):
            while isinstance(node, dict) and "$ref" in node:
                pointer = node["$ref"]
                node = document
                for token in pointer[2:].split("/"):
                    node = node[token.replace("~1", "/").replace("~0", "~")]
            return node, pointer

        def validate(instance, pointer):
            root = dict(document)
            root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
            root["$ref"] = pointer
            validator = Draft202012Validator(root, format_checker=FormatChecker())
            return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(root)", e.message)
                    for e in validator.iter_errors(instance)]

        methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        documented = sorted("%s %s %s" % (method.upper(), path, status)
                            for path, item in document["paths"].items()
                            for method in methods if method in item
                            for status in item[method]["responses"])
        errors = []
        for x in exchanges:
            where = "%s %s %s" % (x["method"], x["path"], x["status"])
            operation = document["paths"].get(x["path"], {}).get(x["method"].lower())
            if operation is None:
                errors.append("%s: the operation is not documented" % where)
                continue
            base = "#/paths/%s/%s/responses" % (escape(x["path"]), x["method"].lower())
            response = operation["responses"].get(str(x["status"]))
            if response is None:
                errors.append("%s: the status is not documented" % where)
                continue
            response, pointer = resolve(response, "%s/%s" % (base, x["status"]))
            for name, header in response.get("headers", {}).items():
                header, header_pointer = resolve(header, "%s/headers/%s" % (pointer, escape(name)))
                value = x["headers"].get(name.lower())
                if value is None:
                    errors.append("%s: no %s header" % (where, name))
                elif "schema" in header:
                    errors += ["%s: header %s: %s" % (where, name, e)
                               for e in validate(value, "%s/schema" % header_pointer)]
            content = response.get("content")
            if not content:
                if x["body"]:
                    errors.append("%s: a body where none is documented" % where)
                continue
            media = (x.get("contentType") or "").split(";")[0].strip()
            if media not in content:
                errors.append("%s: content type %r is not documented (%s)" % (where, x.get("contentType"), ", ".join(content)))
                continue
            if media == "application/json":
                try:
                    body = json.loads(x["body"])
                except ValueError as e:
                    errors.append("%s: not JSON: %s" % (where, e))
                    continue
            else:
                body = x["body"]
            errors += ["%s: %s" % (where, e) for e in validate(body, "%s/content/%s/schema" % (pointer, escape(media)))]
        print(json.dumps({"errors": errors, "documented": documented}))
        """#
}
