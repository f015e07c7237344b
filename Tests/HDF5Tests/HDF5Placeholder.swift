import Testing

@Test func placeholderHDF5() { #expect(1 + 1 == 2) }
