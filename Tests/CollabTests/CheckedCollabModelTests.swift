import Foundation
import TensorCore
import Testing
import Training

@testable import Collab

/// The collab models check their id columns in `forward`, which learners and cells call.
@Suite struct CheckedCollabModelTests {
    @Test func idsOutsideATableAreNamedWithTheirColumn() throws {
        let model = DotProductBias(3, 4, 2)
        let ids = Variable(Tensor(shape: [2, 2], scalars: [0, 1, 2, 9]))
        #expect(
            throws: TensorError(
                .outOfRange, "DotProductBias: movie id 9.0 is out of range for its table of 4 rows")
        ) { try model.forward(ids) }
        #expect(throws: TensorError(.shapeMismatch, "DotProductBias takes [batch, 2] ids, not [3]")) {
            try model.forward(Variable(Tensor([0, 1, 2])))
        }
        let fine = Variable(Tensor(shape: [2, 2], scalars: [0, 1, 2, 3]))
        #expect(try model.forward(fine).value == model(fine).value)
    }

    @Test func everyCollabModelChecks() throws {
        let infinite = Variable(Tensor(shape: [1, 2], scalars: [0, .infinity]))
        #expect(throws: TensorError.self) {
            try EmbeddingDotBias(nFactors: 2, nUsers: 3, nItems: 3).forward(infinite)
        }
        #expect(throws: TensorError.self) {
            try EmbeddingNN(embSzs: [(3, 2), (3, 2)], layers: [4]).forward(infinite)
        }
        #expect(throws: TensorError.self) {
            try EmbeddingNN(embSzs: [(3, 2), (3, 2)], layers: [4]).forward(
                Variable(Tensor([0, 1, 2])))
        }
    }
}
