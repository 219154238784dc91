"""Where a model is built: the parts (activations, inits, optimizers, schedules, clipping, regularization) and the models.

One registry per axis; adding an entry is one line. models (name -> factory, register_model), mlp, cnn,
autoencoder, fusion (BN folded into the adjacent layer for inference).
"""
