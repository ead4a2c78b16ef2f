field user.city: text
