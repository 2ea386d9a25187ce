// An AdminServer on a real Unix socket in a temporary directory, for tests of the server itself.
import Foundation
import Logging
import TestSupport
@testable import VerifierAPI

/// Serves `routes` on `socket` (in a directory of its own), every peer allowed to write, owned by
/// this process's group; `stop()` when done.
final class RunningServer {
    let directory: TemporaryDirectory
    let socket: String
    private let server: AdminServer

    init(_ routes: [Route]) throws {
        directory = try TemporaryDirectory()
        socket = directory.path + "/admin.sock"
        let router = Router(routes: routes) { _, _ in }
        let group = String(cString: getgrgid(getgid()).pointee.gr_name)
        server = AdminServer(router: { router }, access: { _ in true }, logger: Logger(label: "test"))
        try server.start(.path(socket, group: group))
    }

    func stop() { server.stop() }
}
