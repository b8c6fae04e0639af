import TensorCore
import Testing

@testable import Training

/// A layer that lists nothing by hand: its members are found in its stored properties.
private final class Tower: Module, @unchecked Sendable {
    let scale = Parameter(Tensor.ones([3]))
    let offset: Parameter? = nil
    let blocks = [Linear(2, 3), Linear(3, 3, bias: false)]
    let head: Linear? = Linear(3, 1)
    let sizes = [1, 2, 3]
    var isTraining = true
    func callAsFunction(_ x: Variable) -> Variable { x }
}

@Suite struct LayerReflectionTests {
    @Test func membersAreFoundInStoredPropertiesWithTheirNames() {
        let tower = Tower()
        #expect(
            tower.namedParameters.map(\.name) == [
                "scale", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "head.weight", "head.bias",
            ])
        #expect(tower.namedParameters[1].parameter === tower.blocks[0].weight)
        #expect(tower.children.map(\.name) == ["blocks.0", "blocks.1", "head"])
    }

    @Test func sequentialAndLibraryLayersKeepTheirNames() {
        let model = Sequential(Linear(2, 4), ReLU(), BatchNorm1d(4), Linear(4, 1))
        #expect(
            model.namedParameters.map(\.name) == [
                "0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias",
            ])
        #expect(Embedding(5, 2).namedParameters.map(\.name) == ["weight"])
    }

    @Test func aLayerWithoutAStoredModeFollowsItsChildren() {
        final class Plain: Module {
            let inner = Dropout(0.5)
            func callAsFunction(_ x: Variable) -> Variable { inner(x) }
        }
        let plain = Plain()
        plain.eval()
        #expect(!plain.inner.isTraining)
        #expect(!plain.isTraining)
    }
}
