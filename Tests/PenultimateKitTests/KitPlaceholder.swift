import Testing

@Test func placeholderKit() { #expect(1 + 1 == 2) }
