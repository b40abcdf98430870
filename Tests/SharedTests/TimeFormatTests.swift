import Testing
@testable import Shared

@Suite struct TimeFormatTests {
    @Test func epoch() {
        #expect(TimeFormat.imfFixdate(epochSeconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(TimeFormat.iso8601UTC(epochMilliseconds: 0) == "1970-01-01T00:00:00.000Z")
    }

    @Test func rfcExample() {
        #expect(TimeFormat.imfFixdate(epochSeconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    @Test func leapDay2000() {
        #expect(TimeFormat.imfFixdate(epochSeconds: 951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(TimeFormat.iso8601UTC(epochMilliseconds: 951_782_400_000 + 86_399_999) == "2000-02-29T23:59:59.999Z")
        #expect(TimeFormat.iso8601UTC(epochMilliseconds: 951_782_400_000 + 86_400_000) == "2000-03-01T00:00:00.000Z")
    }

    @Test func tutorialTimestamp() {
        #expect(TimeFormat.iso8601UTC(epochMilliseconds: 1_576_051_200_000) == "2019-12-11T08:00:00.000Z")
        #expect(TimeFormat.iso8601UTC(epochMilliseconds: 1_576_051_200_123) == "2019-12-11T08:00:00.123Z")
        #expect(TimeFormat.imfFixdate(epochSeconds: 1_576_051_200) == "Wed, 11 Dec 2019 08:00:00 GMT")
    }

    @Test func after2038() {
        #expect(TimeFormat.imfFixdate(epochSeconds: 2_147_483_648) == "Tue, 19 Jan 2038 03:14:08 GMT")
        #expect(TimeFormat.iso8601UTC(epochMilliseconds: 2_147_483_648_000) == "2038-01-19T03:14:08.000Z")
        #expect(TimeFormat.imfFixdate(epochSeconds: 4_102_444_800) == "Fri, 01 Jan 2100 00:00:00 GMT")
        // 2100 is not a leap year.
        #expect(TimeFormat.iso8601UTC(epochMilliseconds: 4_107_542_400_000 - 1) == "2100-02-28T23:59:59.999Z")
        #expect(TimeFormat.imfFixdate(epochSeconds: 253_402_300_799) == "Fri, 31 Dec 9999 23:59:59 GMT")
    }

    @Test func beforeEpoch() {
        #expect(TimeFormat.iso8601UTC(epochMilliseconds: -1) == "1969-12-31T23:59:59.999Z")
        #expect(TimeFormat.imfFixdate(epochSeconds: -2_208_988_800) == "Mon, 01 Jan 1900 00:00:00 GMT")
        #expect(TimeFormat.iso8601UTC(epochMilliseconds: -62_167_219_200_000) == "0000-01-01T00:00:00.000Z")
    }

    @Test func javaScriptExtendedYears() {
        #expect(TimeFormat.iso8601UTC(epochMilliseconds: 253_402_300_800_000) == "+010000-01-01T00:00:00.000Z")
        #expect(TimeFormat.iso8601UTC(epochMilliseconds: -62_167_219_200_001) == "-000001-12-31T23:59:59.999Z")
        #expect(TimeFormat.iso8601UTC(epochMilliseconds: 8_640_000_000_000_000) == "+275760-09-13T00:00:00.000Z")
    }

    @Test func imfClampsUnrepresentableYears() {
        #expect(TimeFormat.imfFixdate(epochSeconds: Int64.max) == "Fri, 31 Dec 9999 23:59:59 GMT")
        #expect(TimeFormat.imfFixdate(epochSeconds: Int64.min) == "Sat, 01 Jan 0000 00:00:00 GMT")
    }

    @Test func appendIntoBuffer() {
        var buffer = Array("Date: ".utf8)
        TimeFormat.appendIMFFixdate(epochSeconds: 784_111_777, to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "Date: Sun, 06 Nov 1994 08:49:37 GMT")
    }

    @Test func parseKnownDates() {
        #expect(TimeFormat.parseIMFFixdate("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(TimeFormat.parseIMFFixdate("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(TimeFormat.parseIMFFixdate("Tue, 29 Feb 2000 00:00:00 GMT") == 951_782_400)
        #expect(TimeFormat.parseIMFFixdate("Tue, 19 Jan 2038 03:14:08 GMT") == 2_147_483_648)
    }

    @Test func parseRoundTrip() {
        var value: Int64 = -2_208_988_800
        while value < 253_402_300_799 {
            let text = TimeFormat.imfFixdate(epochSeconds: value)
            #expect(TimeFormat.parseIMFFixdate(text) == value, "\(text)")
            value += 7_777_777_777 / 97
        }
        for special: Int64 in [0, 59, 60, 86_399, 86_400, 951_868_799, 1_576_051_200, 2_147_483_647, 253_402_300_799] {
            #expect(TimeFormat.parseIMFFixdate(TimeFormat.imfFixdate(epochSeconds: special)) == special)
        }
    }

    @Test func parseRejectsOtherForms() {
        let bad = [
            "", "Sun, 06 Nov 1994 08:49:37 UTC", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
            "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
            "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 29 Feb 1900 00:00:00 GMT", "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:61 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT ", "Sun, 06 Nov 19a4 08:49:37 GMT", "Sun,  06 Nov 1994 08:49:37 GMT",
        ]
        for text in bad {
            #expect(TimeFormat.parseIMFFixdate(text) == nil, "\(text)")
        }
        #expect(TimeFormat.parseIMFFixdate("Sun, 29 Feb 2004 00:00:00 GMT") != nil)
    }

    @Test func civilRoundTrip() {
        var days: Int64 = -800_000
        while days < 3_000_000 {
            let (y, m, d) = TimeFormat.civilFromDays(days)
            #expect(TimeFormat.daysFromCivil(year: y, month: m, day: d) == days)
            days += 997
        }
        #expect(TimeFormat.daysFromCivil(year: 1970, month: 1, day: 1) == 0)
        #expect(TimeFormat.daysFromCivil(year: 2000, month: 3, day: 1) == 11_017)
        let t = TimeFormat.civil(epochMilliseconds: 1_576_051_200_123)
        #expect(t == TimeFormat.CivilTime(year: 2019, month: 12, day: 11, hour: 8, minute: 0, second: 0, millisecond: 123, weekday: 3))
    }
}
