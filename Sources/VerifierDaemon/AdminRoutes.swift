// The admin API's route table (spec §9): read-only and mutating routes decided in this one place.
import Foundation
import VerifierAPI
import VerifierStore

enum AdminRoutes {
    static func router(service: DomainService, metrics: Metrics, reload: @escaping @Sendable (RouteRequest) -> AdminResponse) -> Router {
        func run(_ body: @escaping @Sendable (RouteRequest) throws(APIError) -> AdminResponse) -> @Sendable (RouteRequest) -> AdminResponse {
            { request in
                do throws(APIError) {
                    return try body(request)
                } catch {
                    return .error(error)
                }
            }
        }
        let routes = [
            Route("GET", "/domains", .read, action: "domain.list", run(service.list)),
            Route("POST", "/domains", .write, action: "domain.create", run(service.create)),
            Route("GET", "/domains/{}", .read, action: "domain.get", run(service.get)),
            Route("PATCH", "/domains/{}", .write, action: "domain.update", run(service.update)),
            Route("DELETE", "/domains/{}", .write, action: "domain.delete", run(service.delete)),
            Route("POST", "/domains/{}/verify", .write, action: "domain.verify", run(service.verify)),
            Route("GET", "/domains/{}/history", .read, action: "domain.history", run(service.history)),
            Route("GET", "/domains/{}/zone", .read, action: "domain.zone", run(service.zone)),
            // A read, but of a secret: writers only, and audited.
            Route("GET", "/domains/{}/dkim-private-key", .write, action: "dkim.export", run(service.privateKey)),
            Route("GET", "/status", .read, action: "status", run(service.status)),
            Route("GET", "/metrics", .read, action: "metrics", run { request throws(APIError) in try service.metrics(request, metrics) }),
            Route("POST", "/reload", .write, action: "config.reload", reload),
        ]
        return Router(routes: routes) { route, request in
            let name = request.parameters.first
            let entry = AuditEntry(at: service.clock.now(), peerUID: request.peer.uid, peerPID: request.peer.pid, action: route.action,
                                   domainName: name.map { String($0.prefix(253)) }, allowed: false,
                                   detail: "refused: uid \(request.peer.uid) is not allowed to write")
            do throws(StoreError) {
                try service.store.appendAudit(entry)
            } catch {
                service.logger.error("A refused request could not be audited: \(error.message)")
            }
            service.logger.warning("Refused \(route.method) \(route.action) from uid \(request.peer.uid) (pid \(request.peer.pid)): not allowed to write.")
        }
    }
}
