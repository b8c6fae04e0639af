import TensorCore

/// Everything training changes in a ``Learner``, its model and its data loaders, apart from the
/// weights: with ``Learner/checkpointData()`` it puts a freshly built learner exactly where training
/// left the original, so a later fit, plot or prediction gives the same result.
///
/// The run cache saves it after each training call and restores it instead of training again.
public struct LearnerState: Sendable, Equatable, Codable {
    /// Each optimizer group's hyperparameters (schedules leave the last lr and momentum), or `nil`
    /// when no optimizer was built.
    public var hyperparameters: [Hyperparameters]?
    /// Whether each parameter trains (freezing), in ``Layer/namedParameters`` order.
    public var requiresGrad: [Bool]
    /// The recorder's values.
    public var recorder: Recorder.State
    /// Epochs started by the training and validation loaders (their shuffling streams).
    public var epochsStarted: [Int]
    /// The loop's counters: epoch, nEpoch, iter, nIter, trainIter, batchSize.
    public var counters: [Int]
    /// The loop's numbers: pctTrain, loss, smoothLoss.
    public var numbers: [Double]
    /// Whether the last batch trained.
    public var training: Bool
    /// Each layer's training mode, the model first, then its descendants depth first.
    public var layerModes: [Bool]
    /// The last batch's predictions and targets: shape then scalars.
    public var lastBatch: [[Float]]
}

extension AnyLearner {
    /// The learner's state apart from its weights and optimizer moments.
    public var state: LearnerState {
        LearnerState(
            hyperparameters: opt?.groups.map(\.hyper),
            requiresGrad: model.namedParameters.map(\.parameter.requiresGrad),
            recorder: recorder.state, epochsStarted: [dls.train.epochsStarted, dls.valid.epochsStarted],
            counters: [epoch, nEpoch, iter, nIter, trainIter, batchSize],
            numbers: [pctTrain, loss, smoothLoss],
            training: training, layerModes: layers(of: model).map(\.isTraining),
            lastBatch: [
                pred.shape.map(Float.init), pred.scalars, target.shape.map(Float.init), target.scalars,
            ])
    }

    /// Restores a state read from a learner built the same way, after ``restore(from:)`` restored the
    /// weights and optimizer moments.
    ///
    /// - Throws: ``TrainingError`` when the state belongs to a learner with other parameters or groups.
    public func restore(_ state: LearnerState) throws {
        let parameters = model.namedParameters
        let modes = layers(of: model)
        guard state.requiresGrad.count == parameters.count, state.layerModes.count == modes.count,
            state.counters.count == 6,
            state.numbers.count == 3, state.epochsStarted.count == 2, state.lastBatch.count == 4
        else { throw TrainingError("the saved learner state does not fit this learner") }
        if let hypers = state.hyperparameters {
            let opt = createOpt()
            guard hypers.count == opt.groups.count else {
                throw TrainingError(
                    "the saved learner has \(hypers.count) groups, this one \(opt.groups.count)")
            }
            opt.setHyperparameters(hypers)
        }
        for (parameter, trains) in zip(parameters, state.requiresGrad) {
            parameter.parameter.requiresGrad = trains
        }
        recorder.state = state.recorder
        dls.train.epochsStarted = state.epochsStarted[0]
        dls.valid.epochsStarted = state.epochsStarted[1]
        (epoch, nEpoch, iter, nIter, trainIter, batchSize) = (
            state.counters[0], state.counters[1], state.counters[2], state.counters[3], state.counters[4],
            state.counters[5]
        )
        (pctTrain, loss, smoothLoss) = (state.numbers[0], state.numbers[1], state.numbers[2])
        training = state.training
        for index in modes.indices { modes[index].isTraining = state.layerModes[index] }
        pred = Tensor(shape: state.lastBatch[0].map { Int($0) }, scalars: state.lastBatch[1])
        target = Tensor(shape: state.lastBatch[2].map { Int($0) }, scalars: state.lastBatch[3])
    }
}

/// `layer` and its descendants, depth first.
private func layers(of layer: any Layer) -> [any Layer] {
    [layer] + layer.children.flatMap { layers(of: $0.layer) }
}
