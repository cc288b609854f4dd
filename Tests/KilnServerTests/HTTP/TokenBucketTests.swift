import KilnServer
import Testing

/// The rate limiter's bucket, with time passed in: no waiting.
@Suite struct TokenBucketTests {
    @Test func aBurstThenTheRate() {
        var bucket = TokenBucket(rate: 2, burst: 3, now: 100)
        #expect(bucket.take(now: 100) == nil)
        #expect(bucket.take(now: 100) == nil)
        #expect(bucket.take(now: 100) == nil)
        let wait = bucket.take(now: 100)
        #expect(wait == 0.5)
        #expect(bucket.take(now: 100.5) == nil)
        #expect(bucket.take(now: 100.5) != nil)
    }

    @Test func refillStopsAtTheBurst() {
        var bucket = TokenBucket(rate: 10, burst: 2, now: 0)
        _ = bucket.take(now: 0)
        _ = bucket.take(now: 0)
        #expect(bucket.take(now: 1000) == nil)
        #expect(bucket.take(now: 1000) == nil)
        #expect(bucket.take(now: 1000) != nil)
    }

    @Test func aClockThatGoesBackGivesNothingExtra() {
        var bucket = TokenBucket(rate: 1, burst: 1, now: 50)
        #expect(bucket.take(now: 50) == nil)
        #expect(bucket.take(now: 10) != nil)
    }
}
