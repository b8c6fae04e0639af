import Foundation
import Testing
import _TestSupport

@testable import TensorCore

@Suite struct PrintingTests {
    @Test func pytorchStyleDescriptions() throws {
        #expect(Tensor(3.5).description == "tensor(3.5000)")
        #expect(Tensor([1, 2, 10]).description == "tensor([ 1.,  2., 10.])")
        #expect(
            try Tensor(rows: [[1, 2.5], [3, -4]]).description
                == "tensor([[ 1.0000,  2.5000],\n        [ 3.0000, -4.0000]])")
        #expect(
            try Tensor.arange(8).reshaped([2, 2, 2]).description
                == "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])")
        #expect(Tensor([1e-5, 1]).description == "tensor([1.0000e-05, 1.0000e+00])")
        #expect(Tensor.arange(2000).description == "tensor([   0.,    1.,    2.,  ..., 1997., 1998., 1999.])")
        #expect(Variable(Tensor([1])).description == "Variable(tensor([1.]))")
    }

    @Test func codableRoundTrip() throws {
        let tensor = fixture([2, 3], seed: 1)
        let data = try JSONEncoder().encode(tensor)
        #expect(try JSONDecoder().decode(Tensor.self, from: data) == tensor)
        let bad = Data(#"{"shape":[2,2],"scalars":[1]}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Tensor.self, from: bad) }
    }

    @Test func parametersHashByIdentity() {
        let a = Parameter(Tensor([1]), name: "a")
        let b = Parameter(Tensor([1]), name: "a")
        #expect(a == a && a != b)
        #expect(Set([a, b, a]).count == 2)
    }

    @Test func softplusValuesAndGradient() {
        let x = Tensor([-30, -1, 0, 2, 40])
        let expected = [-30.0, -1, 0, 2, 40].map { Foundation.log1p(Foundation.exp($0)) }
        expectClose(x.softplus().scalars.map(Double.init), expected, relative: 1e-6, absolute: 1e-12)
        gradCheck([fixture([3, 4], seed: 5, low: -3, high: 3)]) { $0[0].softplus() }
    }
}
