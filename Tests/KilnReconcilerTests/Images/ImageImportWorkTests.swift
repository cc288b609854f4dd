import Foundation
import KilnCatalog
import KilnPlanner
import KilnReconciler
import KilnSpec
import Testing

/// A fleet leader's image imports are work rows: one per Image version, placed on the VM's host for a snapshot, and
/// what the leader does next is read from the newest row alone.
@Suite struct ImageImportWorkTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let sum = "sha256:" + String(repeating: "a", count: 64)

    func image(_ source: SpecValue, version: Int = 2) -> ImageRecord {
        ImageRecord(
            name: "golden", spec: .object(["source": source]), specHash: "s", contentHash: "c", version: version,
            revision: "r1", file: "images/golden.yaml", line: 1, createdAt: now, updatedAt: now)
    }

    var urlImage: ImageRecord {
        image(.object(["url": .string("http://127.0.0.1:1/d.qcow2"), "checksum": .string(sum)]))
    }

    func row(_ state: WorkRecord.State, result: String? = nil, revision: String = "r1") -> WorkRecord {
        var row = ImageImportWork.work(
            image: urlImage, source: .url("http://127.0.0.1:1/d.qcow2", try! Checksum.parse(sum).get()),
            revision: revision, vmHost: nil)
        row.state = state
        row.result = result
        row.holder = state == .queued ? nil : "b"
        return row
    }

    @Test func aURLImportMayRunOnAnyHostAndASnapshotOnlyOnTheVMsHost() throws {
        let fetch = row(.queued)
        #expect(fetch.kind == .fetchImage && fetch.labels.isEmpty)
        #expect(fetch.workKey == "FetchImage Image/golden v3")
        #expect(fetch.detail["version"]?.int == 3 && fetch.detail["revision"]?.string == "r1")
        #expect(fetch.detail["importKey"]?.string == ImageRecord.importKey(for: urlImage.typed))

        let snapshot = ImageImportWork.work(
            image: image(.object(["snapshotOf": .string("hello"), "token": .string("1")])),
            source: .snapshot(vm: "hello"), revision: "r1", vmHost: "b")
        #expect(snapshot.kind == .convertImage && snapshot.workKey == "ConvertImage Image/golden v3")
        #expect(snapshot.labels == [Placement.hostLabel("b")] && snapshot.detail["vm"]?.string == "hello")
    }

    @Test func theLeaderEnqueuesOnceAndWaitsWhileAHostRunsIt() {
        #expect(ImageImportWork.decide(last: nil, revision: "r1") == .enqueue)
        #expect(ImageImportWork.decide(last: row(.queued), revision: "r1") == .inFlight(retrying: nil))
        #expect(ImageImportWork.decide(last: row(.claimed), revision: "r1") == .inFlight(retrying: nil))
        // Done, yet asked again: the Image's record was written over since, so it is made again.
        #expect(ImageImportWork.decide(last: row(.done, result: "made"), revision: "r1") == .enqueue)
    }

    @Test func aFailureIsReportedAsTheHostSawItAndRetriedOnlyIfARetryCanHelp() throws {
        let refused = ActionFailure(.checksumMismatch, "the download's sha256 is b…, not a…")
        let terminal = row(.failed, result: ImageImportWork.result(of: refused))
        #expect(terminal.result == "ChecksumMismatch, terminal: the download's sha256 is b…, not a…")
        let stalled = ActionFailure(
            .checksumMismatch, "on host b: the download's sha256 is b…, not a…", isTerminal: true)
        #expect(ImageImportWork.decide(last: terminal, revision: "r1") == .stalled(stalled))
        // A new commit tries again, as one host's reconciler does.
        #expect(ImageImportWork.decide(last: terminal, revision: "r2") == .enqueue)

        let cut = ActionFailure(.networkError, "the connection was reset")
        let transient = row(.failed, result: ImageImportWork.result(of: cut))
        let retry = ActionFailure(.networkError, "on host b: the connection was reset", isTerminal: false)
        #expect(ImageImportWork.decide(last: transient, revision: "r1") == .retry(retry))
        // The retry's row carries that failure, which stays reported while the retry runs.
        var again = ImageImportWork.work(
            image: urlImage, source: .url("http://127.0.0.1:1/d.qcow2", try Checksum.parse(sum).get()),
            revision: "r1", vmHost: nil, retrying: transient)
        #expect(ImageImportWork.decide(last: again, revision: "r1") == .inFlight(retrying: retry))
        again.state = .claimed
        #expect(ImageImportWork.decide(last: again, revision: "r1") == .inFlight(retrying: retry))

        // A row requeued from a Lost host, or cancelled, says so in words of its own: a transient failure.
        let lost = row(.failed, result: "host b was lost (no heartbeat since …)")
        #expect(
            ImageImportWork.decide(last: lost, revision: "r1")
                == .retry(ActionFailure(.driverError, "on host b: host b was lost (no heartbeat since …)")))
    }
}
