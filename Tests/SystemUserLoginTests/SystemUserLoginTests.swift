import Foundation
import JWTKit
import SystemUserLogin
import Testing

@Suite struct SystemUserLoginTests {
    @Test func theSigningTimeIsUTCToTheMinute() {
        #expect(SignedTokenTime.text(Date(timeIntervalSince1970: 1_796_170_000)) == "202612020006")
        #expect(SignedTokenTime.text(Date(timeIntervalSince1970: 0)) == "197001010000")
    }

    @Test("signed times are twelve UTC digits naming a real minute")
    func signedTime() {
        #expect(SignedTokenTime.date("202602281230") != nil)
        #expect(SignedTokenTime.date("202602301230") == nil)
        #expect(SignedTokenTime.date("2026022812") == nil)
    }

    @Test func queryValuesArePercentEncoded() {
        #expect(FormEncoding.escape("Name eq 'a&b'") == "Name%20eq%20%27a%26b%27")
        #expect(FormEncoding.escape("ø") == "%C3%B8")
        #expect(FormEncoding.escape("ø", uppercase: false) == "%c3%b8")
    }

    @Test func claimsLeaveOutWhatIsNilAndReadAnIssuedAtOfAnyForm() throws {
        let claims = SystemUserClaims(
            ticket: "7T:t", contextIdentifier: "Cust1", serial: nil, webAPIURL: "https://h/Cust1/api/",
            issuer: IssuerClaim(value: "SuperOffice AS"), audience: nil, expiration: ExpirationClaim(value: Date(timeIntervalSince1970: 2_000_000_000)))
        let text = String(decoding: try JSONEncoder().encode(claims), as: UTF8.self)
        #expect(!text.contains("serial") && !text.contains("\"aud\"") && !text.contains("\"nbf\"") && !text.contains("\"iat\""))
        var numeric = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        numeric["iat"] = 1_700_000_000
        let read = try JSONDecoder().decode(SystemUserClaims.self, from: try JSONSerialization.data(withJSONObject: numeric))
        #expect(read.ticket == "7T:t" && read.issuedAt == nil && read.serial == nil)
    }
}
