import CGit2
import Dispatch
import Foundation
import Synchronization

/// One fetch of a remote into its bare mirror, on a thread of its own.
///
/// libgit2 1.5 blocks while it fetches and has no server timeout. The fetch therefore runs on a dedicated thread
/// (never on Swift's cooperative pool), its progress callbacks abort it once the deadline passes, and a watchdog
/// answers every waiter with a timeout shortly after the deadline even when the server sends nothing at all (so no
/// callback runs). A fetch stuck in a read is then abandoned to its thread, which owns its own repository handle and
/// ends when the connection does; the next poll starts a new fetch.
final class MirrorFetch: Sendable {
    typealias Outcome = Result<String?, GitSourceError>

    private struct State {
        var outcome: Outcome?
        var waiters: [Int: CheckedContinuation<Outcome, Never>] = [:]
        var cancelled: Set<Int> = []
        var nextWaiter = 0
    }

    private let state = Mutex(State())
    private let stopRequested = Atomic<Bool>(false)
    let deadline: ContinuousClock.Instant
    private let display: String
    private let seconds: Double

    /// How long after the deadline the watchdog gives the callbacks to abort cleanly, in seconds.
    static let graceSeconds = 1.0

    private init(deadline: ContinuousClock.Instant, display: String, seconds: Double) {
        self.deadline = deadline
        self.display = display
        self.seconds = seconds
    }

    /// Starts fetching `url`'s branches (into `refs/remotes/origin/`) and tags into the bare repository at `mirror`.
    /// The outcome is the remote's default branch, when it names one.
    static func start(mirror: String, url: String, display: String, password: String?, timeout: Duration) -> MirrorFetch
    {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let fetch = MirrorFetch(deadline: .now + timeout, display: display, seconds: seconds)
        Thread.detachNewThread {
            let outcome = fetch.run(mirror: mirror, url: url, password: password)
            fetch.finish(outcome)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds + graceSeconds) {
            fetch.stopRequested.store(true, ordering: .relaxed)
            fetch.finish(.failure(.fetchTimedOut(repository: display, seconds: seconds)))
        }
        return fetch
    }

    var isFinished: Bool { state.withLock { $0.outcome != nil } }

    /// The outcome, once the fetch ends or the watchdog gives up on it; a cancelled task stops waiting at once.
    func wait() async -> Outcome {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now: Outcome? = state.withLock { state in
                    if let outcome = state.outcome { return outcome }
                    if state.cancelled.contains(id) { return .failure(.fetchCancelled(repository: display)) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.cancelled.insert(id)
                return state.waiters.removeValue(forKey: id)
            }
            waiter?.resume(returning: .failure(.fetchCancelled(repository: display)))
        }
    }

    /// Records the first outcome (the fetch's or the watchdog's) and answers every waiter.
    private func finish(_ outcome: Outcome) {
        let waiters = state.withLock { state -> [CheckedContinuation<Outcome, Never>] in
            guard state.outcome == nil else { return [] }
            state.outcome = outcome
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: outcome) }
    }

    /// Whether the callbacks must abort the fetch now.
    fileprivate var mustStop: Bool {
        stopRequested.load(ordering: .relaxed) || ContinuousClock.now >= deadline
    }

    private func run(mirror: String, url: String, password: String?) -> Outcome {
        do {
            let repository = try GitRepository.openOrCreateBare(mirror)
            let remote = try GitRemote.anonymous(url, in: repository, masking: password)
            let context = FetchContext(fetch: self)
            var options = git_fetch_options()
            try check(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), "set up a fetch")
            options.prune = GIT_FETCH_PRUNE
            options.update_fetchhead = 0
            options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
            context.install(in: &options.callbacks)
            let code = withExtendedLifetime(context) {
                remote.fetch(["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"], options: &options)
            }
            if code < 0 {
                if mustStop { return .failure(.fetchTimedOut(repository: display, seconds: seconds)) }
                return .failure(
                    .fetchFailed(repository: display, message: GitSourceError.lastMessage(masking: password)))
            }
            guard let branch = remote.defaultBranch() else { return .success(nil) }
            try repository.setSymbolicReference(
                "refs/remotes/origin/HEAD", to: "refs/remotes/origin/\(branch)",
                message: "kiln: the remote's default branch")
            return .success(branch)
        } catch {
            return .failure(error)
        }
    }
}

/// What libgit2's callbacks see of a fetch, through their `payload` pointer. Used only on the fetch's thread.
private final class FetchContext {
    let fetch: MirrorFetch
    var credentialAttempts = 0

    init(fetch: MirrorFetch) {
        self.fetch = fetch
    }

    static func from(_ payload: UnsafeMutableRawPointer?) -> FetchContext {
        Unmanaged<FetchContext>.fromOpaque(payload!).takeUnretainedValue()
    }

    /// 0 to go on, or an error that makes libgit2 abort the fetch.
    func proceed() -> Int32 {
        guard fetch.mustStop else { return 0 }
        git_error_set_str(Int32(GIT_ERROR_NET.rawValue), "the fetch deadline passed")
        return GIT_EUSER.rawValue
    }

    func install(in callbacks: inout git_remote_callbacks) {
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
        callbacks.transfer_progress = { _, payload in FetchContext.from(payload).proceed() }
        callbacks.sideband_progress = { _, _, payload in FetchContext.from(payload).proceed() }
        callbacks.certificate_check = { _, _, _, payload in
            let code = FetchContext.from(payload).proceed()
            return code == 0 ? GIT_PASSTHROUGH.rawValue : code
        }
        callbacks.credentials = { out, _, username, allowed, payload in
            FetchContext.from(payload).credentials(
                out, username: username.map { String(cString: $0) }, allowed: allowed)
        }
    }

    /// SSH: the user from the URL (or `git`) with a key from ssh-agent, tried a few times at most. HTTPS: libgit2 uses
    /// a user and password written in the URL by itself; nothing else is offered.
    private func credentials(
        _ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>?, username: String?,
        allowed: UInt32
    ) -> Int32 {
        let stop = proceed()
        guard stop == 0 else { return stop }
        credentialAttempts += 1
        guard credentialAttempts <= 3 else {
            git_error_set_str(
                Int32(GIT_ERROR_NET.rawValue),
                "authentication failed (Kiln offers SSH keys from ssh-agent, and a user and password written in an https URL)"
            )
            return GIT_EAUTH.rawValue
        }
        let user = username ?? "git"
        if allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 {
            return git_credential_ssh_key_from_agent(out, user)
        }
        if allowed & GIT_CREDENTIAL_USERNAME.rawValue != 0 {
            return git_credential_username_new(out, user)
        }
        return GIT_PASSTHROUGH.rawValue
    }
}
