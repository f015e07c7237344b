import Testing

@Test func placeholderToolSupport() { #expect(1 + 1 == 2) }
