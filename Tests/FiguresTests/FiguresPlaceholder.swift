import Testing

@Test func placeholderFigures() { #expect(1 + 1 == 2) }
