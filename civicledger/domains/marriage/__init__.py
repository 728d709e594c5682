"""City-wide marriage registration (婚姻登记全城通办)."""
