import Hummingbird
import KilnQuery
import KilnSpec

/// Deltacloud: the entry point `/api` and the images collection, XML by default, JSON when asked.
struct DeltacloudRoutes {
    static func add(to router: Router<KilnRequestContext>, reads: ReadRoutes, defaultOwner: String) {
        reads.get(router, "/api", vary: [.host, .accept]) { read throws(APIError) in
            switch try format(read) {
            case .xml: .xml(DeltacloudMapping.entryXML(base: read.baseURL))
            case .json: .json(DeltacloudMapping.entryJSON(base: read.baseURL))
            }
        }
        reads.get(router, "/api/images", vary: [.host, .accept]) { read throws(APIError) in
            let chosen = try format(read)
            var images = read.snapshot.images
            if let owner = read.query["owner_id"] {
                images = images.filter { ($0.typed.owner ?? defaultOwner) == owner }
            }
            if let architecture = read.query["architecture"] {
                images = images.filter { $0.typed.architecture == architecture }
            }
            return switch chosen {
            case .xml: .xml(DeltacloudMapping.imagesXML(images, base: read.baseURL, defaultOwner: defaultOwner))
            case .json: .json(DeltacloudMapping.imagesJSON(images, base: read.baseURL, defaultOwner: defaultOwner))
            }
        }
        reads.get(router, "/api/images/:id", vary: [.host, .accept]) { read throws(APIError) in
            let chosen = try format(read)
            let id = read.parameter("id")
            guard let image = read.snapshot.image(named: id) else {
                throw .notFound("image-not-found", "no image with id \(QueryParameters.echo(id))")
            }
            return switch chosen {
            case .xml: .xml(DeltacloudMapping.imageXML(image, base: read.baseURL, defaultOwner: defaultOwner))
            case .json: .json(DeltacloudMapping.imageJSON(image, base: read.baseURL, defaultOwner: defaultOwner))
            }
        }
    }

    static func format(_ read: ReadRequest) throws(APIError) -> DeltacloudFormat {
        do {
            return try DeltacloudFormat.choose(format: read.query["format"], accept: read.request.headers[.accept])
        } catch {
            switch error {
            case .parameter(let error): throw APIError(error)
            case .notAcceptable(let message): throw APIError(.notAcceptable, code: "not-acceptable", message)
            }
        }
    }
}
