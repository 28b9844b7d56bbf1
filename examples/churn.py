"""The course's artificial neural network for bank customer churn, as Keras code with only the imports changed.

Data: ``Churn_Modelling.csv`` (10,000 customers of a fictional bank; ``Exited`` = 1 if the customer left).
Part 1 preprocesses it (label-encode Geography and Gender, one-hot encode Geography dropping one dummy to avoid
the dummy-variable trap, split 80/20, standardize), part 2 builds and trains the ANN (11 -> 6 -> 6 -> 1) with Adam
and binary cross-entropy, part 3 predicts the test set, one new customer, and prints the confusion matrix and the
test accuracy (the last line: ``test accuracy: 0.8xxx``).

The course's ``OneHotEncoder(categorical_features=[1])`` no longer exists in scikit-learn; its replacement, a
``ColumnTransformer`` that one-hot encodes column 1 and passes the rest through, gives the same columns.

Run: ``python examples/churn.py [--data PATH] [--epochs N]`` (needs pandas and scikit-learn). The default data
path is ``../shared/data/churn/Churn_Modelling.csv`` from the repository root, found from any directory.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import pandas as pd

try:
    import neuroflow as keras
except ImportError:  # run from a source checkout without installing: the package sits one folder up
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import neuroflow as keras
from neuroflow.layers import Dense
from neuroflow.models import Sequential

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data", "churn", "Churn_Modelling.csv"))

# The new customer of the course's homework, in the dataset's column order (CreditScore, Geography, Gender, Age,
# Tenure, Balance, NumOfProducts, HasCrCard, IsActiveMember, EstimatedSalary).
NEW_CUSTOMER = [500, "Spain", "Female", 40, 3, 50000, 2, 1, 1, 40000]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="The course's churn ANN, run by neuroflow.")
    parser.add_argument("--data", default=DEFAULT_DATA, help=f"Churn_Modelling.csv (default: {DEFAULT_DATA})")
    parser.add_argument("--epochs", type=int, default=50, help="training epochs (default: 50, as in the course)")
    return parser.parse_args(argv)


def confusion_matrix(y_true, y_pred):
    """neuroflow's confusion matrix where it exists, else scikit-learn's (same layout: rows = true class)."""
    try:
        from neuroflow.metrics import confusion_matrix as nf_confusion_matrix
    except ImportError:
        from sklearn.metrics import confusion_matrix as sk_confusion_matrix
        return sk_confusion_matrix(y_true, y_pred)
    # the counts may live on a device (as Keras' tensors do): read them to NumPy as Keras code does
    return keras.ops.convert_to_numpy(nf_confusion_matrix(y_true, y_pred))


def main(argv=None):
    """Run the course's program. Returns ``{'accuracy', 'confusion_matrix', 'new_customer_probability', ...}``."""
    args = parse_args(argv)
    keras.utils.set_random_seed(0)

    # Part 1 - Data Preprocessing

    # Importing the dataset
    dataset = pd.read_csv(args.data)
    X = dataset.iloc[:, 3:13].values
    y = dataset.iloc[:, 13].values

    # Encoding categorical data
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import LabelEncoder, OneHotEncoder
    labelencoder_X_1 = LabelEncoder()
    X[:, 1] = labelencoder_X_1.fit_transform(X[:, 1])
    labelencoder_X_2 = LabelEncoder()
    X[:, 2] = labelencoder_X_2.fit_transform(X[:, 2])
    onehotencoder = ColumnTransformer([("geography", OneHotEncoder(), [1])], remainder="passthrough")
    X = np.asarray(onehotencoder.fit_transform(X), dtype="float64")
    X = X[:, 1:]  # drop one dummy column: avoid the dummy-variable trap

    # Splitting the dataset into the Training set and Test set
    from sklearn.model_selection import train_test_split
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)

    # Feature Scaling
    from sklearn.preprocessing import StandardScaler
    sc = StandardScaler()
    X_train = sc.fit_transform(X_train)
    X_test = sc.transform(X_test)

    # Part 2 - Now let's make the ANN!

    # Initialising the ANN
    classifier = Sequential()

    # Adding the input layer and the first hidden layer
    classifier.add(Dense(6, activation="relu", kernel_initializer="uniform", input_dim=11))

    # Adding the second hidden layer
    classifier.add(Dense(6, activation="relu", kernel_initializer="uniform"))

    # Adding the output layer
    classifier.add(Dense(1, activation="sigmoid", kernel_initializer="uniform"))

    # Compiling the ANN
    classifier.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])

    # Fitting the ANN to the Training set
    classifier.fit(X_train, y_train, batch_size=10, epochs=args.epochs)

    # Part 3 - Making the predictions and evaluating the model

    # Predicting the Test set results
    y_pred = classifier.predict(X_test)
    y_pred = y_pred > 0.5

    # Predicting a single new customer through the same encoders and scaler
    new = np.array([NEW_CUSTOMER], dtype=object)
    new[:, 1] = labelencoder_X_1.transform(new[:, 1])
    new[:, 2] = labelencoder_X_2.transform(new[:, 2])
    new = np.asarray(onehotencoder.transform(new), dtype="float64")[:, 1:]
    new_prediction = classifier.predict(sc.transform(new))
    probability = float(new_prediction[0, 0])
    print(f"new customer (Spain, credit score 500, female, 40): probability of leaving {probability:.4f}, "
          f"leaves: {probability > 0.5}")

    # Making the Confusion Matrix
    cm = confusion_matrix(y_test, y_pred)
    print("confusion matrix (rows: true class, columns: predicted class):")
    print(cm)
    accuracy = float((cm[0, 0] + cm[1, 1]) / cm.sum())
    print(f"test accuracy: {accuracy:.4f}")
    return {"accuracy": accuracy, "confusion_matrix": cm, "new_customer_probability": probability,
            "n_features": X.shape[1]}


if __name__ == "__main__":
    main()
