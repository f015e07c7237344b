import Testing

@Test func placeholderMiniLab() { #expect(1 + 1 == 2) }
